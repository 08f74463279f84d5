//! `baoming-server [serve] [OPTIONS]` and `baoming-server openapi`; see
//! [`baoming_server::config::USAGE`].

use std::process::ExitCode;

use baoming_server::config::{self, Command, USAGE};

fn main() -> ExitCode {
    let command = match config::parse(std::env::args().skip(1), |name| std::env::var(name).ok()) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("baoming-server: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Command::ReviewHelp => {
            print!("{}", baoming_server::review_cli::REVIEW_USAGE);
            ExitCode::SUCCESS
        }
        Command::Review(invocation) => match baoming_server::review_cli::run(&invocation) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("baoming-server review: {e:#}");
                ExitCode::FAILURE
            }
        },
        Command::OpenApi => {
            print!("{}", baoming_contract::openapi::to_pretty_json());
            ExitCode::SUCCESS
        }
        Command::Serve(config) => {
            baoming_server::init_tracing();
            let result = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(anyhow::Error::from)
                .and_then(|runtime| runtime.block_on(baoming_server::serve(config)));
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("baoming-server: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
