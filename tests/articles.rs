//! How the shipped model treats real-shaped input: long articles with several themes and page
//! furniture, headlines, and texts that carry almost no evidence (issue 8).

use serde_json::Value;

mod common;
use common::{fixture, jsonl, repo, veille};

/// `veille classify --format jsonl` with the shipped model on `args`, parsed.
fn classify(args: &[&str], stdin: Option<&str>) -> Vec<Value> {
    let mut cmd = veille();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["classify", "--quiet", "--format", "jsonl", "--model"])
        .arg(repo("models/themes.veille"))
        .args(args);
    if let Some(s) = stdin {
        cmd.write_stdin(s);
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    jsonl(&String::from_utf8(out).unwrap())
}

fn labels(v: &Value) -> Vec<&str> {
    v["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect()
}

fn top_score(v: &Value) -> f64 {
    v["scores"][0]["score"].as_f64().unwrap()
}

#[test]
fn one_or_two_words_never_score_above_one_half() {
    for text in [
        "text",
        "Le texte de la loi",
        "sanctions",
        "cloud souverain",
        "ransomware",
    ] {
        let v = &classify(&[], Some(text))[0];
        assert!(top_score(v) <= 0.5, "{text}: {v}");
    }
}

#[test]
fn stopwords_and_unknown_words_get_no_theme() {
    for text in [
        "le la les de des et ou mais donc",
        "the of and to in it is was",
        "zzqx blorft vrimmel quonk",
    ] {
        let v = &classify(&[], Some(text))[0];
        assert!(labels(v).is_empty(), "{text:?}: {v}");
        assert!(top_score(v) < 0.5, "{text:?}: {v}");
    }
}

#[test]
fn headlines_that_say_a_theme_get_it() {
    let cases = [
        (
            "Washington adds Chinese chipmakers to its export blacklist",
            "sanctions-export-controls",
        ),
        (
            "Ransomware gang cripples regional hospital network for a week",
            "cyber-operations",
        ),
        (
            "Viginum dénonce une campagne de désinformation russe sur les réseaux sociaux",
            "disinformation",
        ),
        (
            "Le gouvernement lance l'identité numérique pour toutes les démarches administratives",
            "digital-government",
        ),
    ];
    for (text, theme) in cases {
        let v = &classify(&[], Some(text))[0];
        assert!(labels(v).contains(&theme), "{text}: {v}");
    }
}

#[test]
fn long_articles_with_furniture_keep_their_themes() {
    let lines = classify(&[fixture("articles").to_str().unwrap()], None);
    let by = |needle: &str| {
        lines
            .iter()
            .find(|v| v["id"].as_str().unwrap().contains(needle))
            .unwrap()
    };
    // A declaration on technological sovereignty that also sets out cyber norms gets both.
    let decl = by("declaration");
    for theme in ["technological-sovereignty", "cyber-norms"] {
        assert!(labels(decl).contains(&theme), "{decl}");
    }
    // A long French article on cooperation under sanctions, with a "Next Post" teaser for a
    // marketing article and a "Lire aussi" line stuck to it, keeps its sanctions theme, and
    // the teaser adds none.
    let iran = by("teheran");
    assert!(
        labels(iran).contains(&"sanctions-export-controls"),
        "{iran}"
    );
    assert_eq!(iran["language"], "fr");
    assert!(iran["passages"].as_u64().unwrap() >= 5, "{iran}");
}

#[test]
fn each_label_says_which_passages_and_words_carry_it() {
    let path = fixture("articles/en-declaration-sovereignty-norms.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let chars: Vec<char> = text.chars().collect();
    let v = &classify(&[path.to_str().unwrap()], None)[0];
    let evidence = v["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), labels(v).len());
    // Labels are ordered by score, and evidence follows them.
    let scores: Vec<f64> = evidence
        .iter()
        .map(|e| e["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    for e in evidence {
        assert!(!e["terms"].as_array().unwrap().is_empty(), "{e}");
        let passages = e["passages"].as_array().unwrap();
        assert!(!passages.is_empty(), "{e}");
        for p in passages {
            let (start, end) = (
                p["start"].as_u64().unwrap() as usize,
                p["end"].as_u64().unwrap() as usize,
            );
            let body: String = chars[start..end].iter().collect();
            let first_word = p["snippet"].as_str().unwrap().split(' ').next().unwrap();
            assert!(body.starts_with(first_word), "{body:?} / {p}");
        }
    }
    // Filler words explain nothing.
    for e in evidence {
        for t in e["terms"].as_array().unwrap() {
            let t = t["term"].as_str().unwrap();
            assert!(
                !["two", "both", "between", "deux", "entre", "pays"].contains(&t),
                "{t}"
            );
        }
    }
    // Off: one block of text, no passages reported.
    let v = &classify(&["--no-passages", path.to_str().unwrap()], None)[0];
    assert_eq!(v["passages"], 1);
    assert!(v["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["passages"].as_array().unwrap().is_empty()));
}

#[test]
fn explain_shows_words_and_passages_per_label() {
    let out = veille()
        .args(["classify", "--quiet", "--explain", "--model"])
        .arg(repo("models/themes.veille"))
        .arg(fixture("articles/en-declaration-sovereignty-norms.txt"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("technological-sovereignty"), "{out}");
    assert!(out.contains("words: "), "{out}");
    assert!(out.contains("¶2 [chars "), "{out}");
}

#[test]
fn a_classifier_of_the_previous_format_is_refused_with_how_to_rebuild_it() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.veille");
    let mut bytes = std::fs::read(repo("models/themes.veille")).unwrap();
    bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
    std::fs::write(&old, bytes).unwrap();
    common::fails_with(
        veille()
            .args(["classify", "--model"])
            .arg(&old)
            .write_stdin("text"),
        "rebuild it with",
    );
}
