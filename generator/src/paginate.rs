//! Pagination of sections (`paginate_by` in `_index.md`) and taxonomy
//! terms (`paginate_by` in `[[taxonomies]]`): pager 1 lives at the list's
//! own URL, pager `n` at `<list>/page/<n>/`, and `<list>/page/1/`
//! redirects to the list.

use tera::Value;

use crate::render::{Urls, map};

/// How many pagers `items` entries need at `by` per pager (at least one,
/// so an empty list still has its page).
pub fn pager_count(items: usize, by: usize) -> usize {
    items.div_ceil(by.max(1)).max(1)
}

/// Site path of pager `index` (1-based) of the list at `base` (`/blog/`).
pub fn pager_path(base: &str, index: usize) -> String {
    if index <= 1 {
        base.to_owned()
    } else {
        format!("{base}page/{index}/")
    }
}

/// The `paginator` template value of pager `index` (1-based) over
/// `items` (the list's page values, shared).
///
/// Keys: `paginate_by`, `base_url` (`/blog/page/`), `number_pagers`,
/// `current_index`, `total_pages` (entries across all pagers, as in Zola),
/// `pages` (this pager's entries), `first`, `last`, `previous`, `next`
/// (URLs; the last two are none at the ends) and `pagers` (`[{index, url}]`
/// for numbered links).
pub fn paginator_value(base: &str, items: &[Value], by: usize, index: usize, urls: &Urls) -> Value {
    let by = by.max(1);
    let count = pager_count(items.len(), by);
    let start = ((index - 1) * by).min(items.len());
    let end = (start + by).min(items.len());
    let url = |i: usize| Value::from(urls.url(&pager_path(base, i)));
    let pagers: Vec<Value> = (1..=count)
        .map(|i| map([("index", Value::from(i)), ("url", url(i))]))
        .collect();
    map([
        ("paginate_by", Value::from(by)),
        ("base_url", Value::from(urls.url(&format!("{base}page/")))),
        ("number_pagers", Value::from(count)),
        ("current_index", Value::from(index)),
        ("total_pages", Value::from(items.len())),
        ("pages", Value::from(items[start..end].to_vec())),
        ("first", url(1)),
        ("last", url(count)),
        (
            "previous",
            if index > 1 {
                url(index - 1)
            } else {
                Value::none()
            },
        ),
        (
            "next",
            if index < count {
                url(index + 1)
            } else {
                Value::none()
            },
        ),
        ("pagers", Value::from(pagers)),
    ])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn counts_and_paths() {
        assert_eq!(pager_count(0, 2), 1);
        assert_eq!(pager_count(4, 2), 2);
        assert_eq!(pager_count(5, 2), 3);
        assert_eq!(pager_path("/blog/", 1), "/blog/");
        assert_eq!(pager_path("/blog/", 3), "/blog/page/3/");
    }

    #[test]
    fn paginator_keys() {
        let urls = Urls {
            base_path: "/sub".into(),
            origin: String::new(),
        };
        let items: Vec<Value> = (0..5).map(Value::from).collect();
        let p = paginator_value("/blog/", &items, 2, 3, &urls);
        let get = |k: &str| p.get_from_path(k).unwrap().clone();
        assert_eq!(get("number_pagers"), Value::from(3));
        assert_eq!(get("total_pages"), Value::from(5));
        assert_eq!(get("pages"), Value::from(vec![Value::from(4)]));
        assert_eq!(get("previous"), Value::from("/sub/blog/page/2/"));
        assert!(get("next").is_none());
        assert_eq!(get("first"), Value::from("/sub/blog/"));
        assert_eq!(get("last"), Value::from("/sub/blog/page/3/"));
        assert_eq!(get("base_url"), Value::from("/sub/blog/page/"));
    }
}
