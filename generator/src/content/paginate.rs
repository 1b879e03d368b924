//! Pagination of sections (`paginate_by` in `_index.md`) and taxonomy
//! terms (`paginate_by` in `[[taxonomies]]`): pager 1 lives at the list's
//! own URL, pager `n` at `<list>/page/<n>/`, and `<list>/page/1/`
//! redirects to the list.

use tera::Value;

use crate::templates::{Urls, map};

/// How many pagers `items` entries need at `by` per pager (at least one,
/// so an empty list still has its page).
pub(crate) fn pager_count(items: usize, by: usize) -> usize {
    items.div_ceil(by.max(1)).max(1)
}

/// Site path of pager `index` (1-based) of the list at `base` (`/blog/`).
pub(crate) fn pager_path(base: &str, index: usize) -> String {
    if index <= 1 {
        base.to_owned()
    } else {
        format!("{base}page/{index}/")
    }
}

/// What every pager of one list shares, built once per list so that a
/// list of `n` pagers costs O(n) values, not O(n²).
#[derive(Debug, Clone)]
pub(crate) struct Paginator {
    by: usize,
    count: usize,
    /// URL of each pager, index 0 = pager 1.
    urls: Vec<Value>,
    /// `[{index, url}]`, shared by every pager.
    pagers: Value,
    base_url: Value,
}

impl Paginator {
    /// The pagers of the list at site path `base` with `items` entries,
    /// `by` per pager.
    pub(crate) fn new(base: &str, items: usize, by: usize, urls: &Urls) -> Self {
        let by = by.max(1);
        let count = pager_count(items, by);
        let pager_urls: Vec<Value> = (1..=count)
            .map(|i| Value::from(urls.url(&pager_path(base, i))))
            .collect();
        let pagers = Value::from(
            pager_urls
                .iter()
                .enumerate()
                .map(|(i, url)| map([("index", Value::from(i + 1)), ("url", url.clone())]))
                .collect::<Vec<_>>(),
        );
        Self {
            by,
            count,
            urls: pager_urls,
            pagers,
            base_url: Value::from(urls.url(&format!("{base}page/"))),
        }
    }

    /// How many pagers.
    #[cfg(test)]
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The `paginator` template value of pager `index` (1-based) over
    /// `items` (the list's page values, shared).
    ///
    /// Keys: `paginate_by`, `base_url` (`/blog/page/`), `number_pagers`,
    /// `current_index`, `total_pages` (entries across all pagers, as in
    /// Zola), `pages` (this pager's entries), `first`, `last`, `previous`,
    /// `next` (URLs; the last two are none at the ends) and `pagers`
    /// (`[{index, url}]` for numbered links).
    pub(crate) fn value(&self, items: &[Value], index: usize) -> Value {
        let index = index.clamp(1, self.count);
        let start = ((index - 1) * self.by).min(items.len());
        let end = (start + self.by).min(items.len());
        let url = |i: usize| self.urls[i - 1].clone();
        map([
            ("paginate_by", Value::from(self.by)),
            ("base_url", self.base_url.clone()),
            ("number_pagers", Value::from(self.count)),
            ("current_index", Value::from(index)),
            ("total_pages", Value::from(items.len())),
            ("pages", Value::from(items[start..end].to_vec())),
            ("first", url(1)),
            ("last", url(self.count)),
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
                if index < self.count {
                    url(index + 1)
                } else {
                    Value::none()
                },
            ),
            ("pagers", self.pagers.clone()),
        ])
    }
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
        let paginator = Paginator::new("/blog/", items.len(), 2, &urls);
        assert_eq!(paginator.count(), 3);
        assert_eq!(pager_path("/blog/", 2), "/blog/page/2/");
        let p = paginator.value(&items, 3);
        let get = |k: &str| p.get_from_path(k).unwrap().clone();
        assert_eq!(get("number_pagers"), Value::from(3));
        assert_eq!(get("total_pages"), Value::from(5));
        assert_eq!(get("pages"), Value::from(vec![Value::from(4)]));
        assert_eq!(get("previous"), Value::from("/sub/blog/page/2/"));
        assert!(get("next").is_none());
        assert_eq!(get("first"), Value::from("/sub/blog/"));
        assert_eq!(get("last"), Value::from("/sub/blog/page/3/"));
        assert_eq!(get("base_url"), Value::from("/sub/blog/page/"));
        assert_eq!(
            get("pagers").as_array().unwrap()[1].get_from_path("url"),
            Some(&Value::from("/sub/blog/page/2/"))
        );
    }
}
