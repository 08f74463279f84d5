//! `baoming-server [serve] [OPTIONS]`, `baoming-server openapi` and `baoming-server review …`;
//! see [`baoming_server::cli`] (`--help` prints the whole command line).

use std::process::ExitCode;

use baoming_server::cli::{self, Command};

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args_os().skip(1), |name| std::env::var(name).ok()) {
        Ok(command) => command,
        Err(e) => {
            // `--help` on stdout with 0, a usage error on stderr with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match command {
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
