//! The model inside the web app's face module (`face/model/face-model-v1.bin`) is exactly OpenCV's
//! `lbpcascade_frontalface_improved.xml` (kept in `face/model/`), converted. To convert again
//! after changing the source or the format: `BAOMING_WRITE_FACE_MODEL=1 cargo test -p
//! baoming-face --test model`.

use std::path::PathBuf;

use baoming_face::{Block, Cascade, Stage, Weak};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub const SHIPPED: &str = "face/model/face-model-v1.bin";
const SOURCE: &str = "face/model/lbpcascade_frontalface_improved.xml";

/// OpenCV subtracts this from every stage threshold when it loads a cascade
/// (`THRESHOLD_EPS` in cascadedetect.cpp); the binary carries the threshold as evaluated.
const THRESHOLD_EPS: f32 = 1e-5;

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> roxmltree::Node<'a, 'i> {
    node.children()
        .find(|c| c.has_tag_name(name))
        .unwrap_or_else(|| panic!("no <{name}> in <{}>", node.tag_name().name()))
}

fn items<'a, 'i>(node: roxmltree::Node<'a, 'i>) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    node.children().filter(|c| c.has_tag_name("_"))
}

fn numbers<T: std::str::FromStr>(node: roxmltree::Node) -> Vec<T>
where
    T::Err: std::fmt::Debug,
{
    node.text()
        .unwrap_or("")
        .split_whitespace()
        .map(|t| t.parse().unwrap())
        .collect()
}

fn convert(xml: &str) -> Cascade {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let cascade = child(doc.root_element(), "cascade");
    assert_eq!(child(cascade, "featureType").text(), Some("LBP"));
    assert_eq!(child(cascade, "stageType").text(), Some("BOOST"));
    let size = |name| numbers::<u8>(child(cascade, name))[0];
    let features: Vec<Block> = items(child(cascade, "features"))
        .map(|f| {
            let r = numbers::<u8>(child(f, "rect"));
            Block {
                x: r[0],
                y: r[1],
                width: r[2],
                height: r[3],
            }
        })
        .collect();
    let stages: Vec<Stage> = items(child(cascade, "stages"))
        .map(|s| Stage {
            threshold: numbers::<f32>(child(s, "stageThreshold"))[0] - THRESHOLD_EPS,
            weak: items(child(s, "weakClassifiers"))
                .map(|w| {
                    let nodes = numbers::<i64>(child(w, "internalNodes"));
                    // left, right, feature, then the 256-bit subset as 8 signed ints.
                    assert_eq!(nodes.len(), 11, "a stump (maxDepth 1)");
                    assert_eq!((nodes[0], nodes[1]), (0, -1));
                    let leaves = numbers::<f32>(child(w, "leafValues"));
                    Weak {
                        feature: u16::try_from(nodes[2]).unwrap(),
                        subset: std::array::from_fn(|i| i32::try_from(nodes[3 + i]).unwrap()),
                        leaves: [leaves[0], leaves[1]],
                    }
                })
                .collect(),
        })
        .collect();
    assert_eq!(
        stages.len(),
        numbers::<usize>(child(cascade, "stageNum"))[0]
    );
    Cascade {
        window: (size("width"), size("height")),
        features,
        stages,
    }
}

#[test]
fn the_shipped_model_is_the_opencv_cascade_converted() {
    let xml = std::fs::read_to_string(root().join(SOURCE)).unwrap();
    let cascade = convert(&xml);
    let bytes = cascade.to_bytes();
    let shipped = root().join(SHIPPED);
    if std::env::var_os("BAOMING_WRITE_FACE_MODEL").is_some() {
        std::fs::write(&shipped, &bytes).unwrap();
    }
    let on_disk = std::fs::read(&shipped).unwrap();
    assert!(
        on_disk == bytes,
        "{SHIPPED} is not {SOURCE} converted; run with BAOMING_WRITE_FACE_MODEL=1"
    );
    let parsed = Cascade::parse(&on_disk).unwrap();
    assert_eq!(parsed, cascade);
    assert_eq!(parsed.window, (45, 45));
    assert_eq!(parsed.stages.len(), 19);
    assert_eq!(parsed.features.len(), 142);
    assert_eq!(
        parsed.stages.iter().map(|s| s.weak.len()).sum::<usize>(),
        149
    );
}
