use super::jobs::*;
use super::values::*;
use crate::markdown::Heading;
use crate::templates::map;
use tera::Value;

#[test]
fn out_paths() {
    assert_eq!(out_path("/"), "index.html");
    assert_eq!(out_path("/blog/hello/"), "blog/hello/index.html");
}

#[test]
fn toc_value_is_the_serialised_toc() {
    let heading = |level, id: &str, children| Heading {
        level,
        id: id.to_owned(),
        title: format!("Title {id}"),
        children,
    };
    let toc = vec![
        heading(2, "a", vec![heading(3, "b", Vec::new())]),
        heading(2, "c", Vec::new()),
    ];
    assert_eq!(toc_value(&toc), Value::from_serializable(&toc));
    assert_eq!(
        toc_value(&[]),
        Value::from_serializable(&Vec::<Heading>::new())
    );
}

#[test]
fn with_fields_replaces_and_keeps() {
    let value = map([("a", Value::from(1)), ("b", Value::from(2))]);
    let updated = with_fields(&value, [("b", Value::from(3)), ("c", Value::from(4))]);
    let expected = map([
        ("a", Value::from(1)),
        ("b", Value::from(3)),
        ("c", Value::from(4)),
    ]);
    assert_eq!(updated, expected);
}
