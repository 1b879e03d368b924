//! The starter site's words in each language `init --languages` can write:
//! English, French and German. Any other valid code gets the English words
//! (marked in `site.toml` as waiting for a translation), so the site builds
//! as it is and the translator has every key to fill in.

/// One language's texts: the content files' and the `trans()` strings of
/// the templates `init --languages` writes.
#[derive(Debug)]
pub(super) struct Texts {
    /// `Welcome! Edit {file}, or …`: `{file}` is the home file's name.
    pub welcome: &'static str,
    pub blog: &'static str,
    pub first_post: &'static str,
    /// The first post's text before `<!-- more -->`; `{contact}` is the
    /// contact page's `@/` path.
    pub first_post_body: &'static str,
    /// The first post's tag (each language has its own terms).
    pub tag: &'static str,
    pub contact: &'static str,
    pub contact_intro: &'static str,
    pub your_email: &'static str,
    pub message: &'static str,
    pub send: &'static str,
    pub thanks: &'static str,
    pub thanks_body: &'static str,
    /// `[languages.<code>.translations]`, key and text, for the templates.
    pub strings: [(&'static str, &'static str); 8],
}

const EN: Texts = Texts {
    welcome: "Welcome! Edit `{file}`, or write a post in `content/blog/`.",
    blog: "Blog",
    first_post: "First post",
    first_post_body: "This is Markdown: *emphasis*, [links]({contact}), tables, footnotes\nand highlighted code.",
    tag: "news",
    contact: "Contact",
    contact_intro: "The form below is the API's schema: the server accepts exactly these\nfields, with these rules.",
    your_email: "Your e-mail",
    message: "Message",
    send: "Send",
    thanks: "Thank you",
    thanks_body: "Your message was received.",
    strings: [
        ("language_name", "English"),
        ("languages", "Languages"),
        ("skip_to_content", "Skip to content"),
        ("atom_feed", "Atom feed"),
        ("built_with", "Built with Letterbox"),
        ("read_more", "Read more"),
        ("min_read", "min read"),
        ("tags", "Tags:"),
    ],
};

const FR: Texts = Texts {
    welcome: "Bienvenue ! Modifiez `{file}`, ou écrivez un article dans `content/blog/`.",
    blog: "Blogue",
    first_post: "Premier article",
    first_post_body: "Ceci est du Markdown : *emphase*, [liens]({contact}), tableaux, notes\net code coloré.",
    tag: "nouvelles",
    contact: "Contact",
    contact_intro: "Le formulaire ci-dessous est le schéma de l'API : le serveur accepte\nexactement ces champs, avec ces règles.",
    your_email: "Votre e-mail",
    message: "Message",
    send: "Envoyer",
    thanks: "Merci",
    thanks_body: "Votre message a bien été reçu.",
    strings: [
        ("language_name", "Français"),
        ("languages", "Langues"),
        ("skip_to_content", "Aller au contenu"),
        ("atom_feed", "Flux Atom"),
        ("built_with", "Fait avec Letterbox"),
        ("read_more", "Lire la suite"),
        ("min_read", "min de lecture"),
        ("tags", "Étiquettes :"),
    ],
};

const DE: Texts = Texts {
    welcome: "Willkommen! Bearbeiten Sie `{file}` oder schreiben Sie einen Beitrag in `content/blog/`.",
    blog: "Blog",
    first_post: "Erster Beitrag",
    first_post_body: "Das ist Markdown: *Betonung*, [Links]({contact}), Tabellen, Fußnoten\nund hervorgehobener Code.",
    tag: "neuigkeiten",
    contact: "Kontakt",
    contact_intro: "Das Formular unten ist das Schema der API: Der Server nimmt genau diese\nFelder an, mit diesen Regeln.",
    your_email: "Ihre E-Mail",
    message: "Nachricht",
    send: "Senden",
    thanks: "Danke",
    thanks_body: "Ihre Nachricht ist angekommen.",
    strings: [
        ("language_name", "Deutsch"),
        ("languages", "Sprachen"),
        ("skip_to_content", "Zum Inhalt springen"),
        ("atom_feed", "Atom-Feed"),
        ("built_with", "Erstellt mit Letterbox"),
        ("read_more", "Weiterlesen"),
        ("min_read", "Min. Lesezeit"),
        ("tags", "Schlagwörter:"),
    ],
};

/// The texts of `code` (its primary subtag: `fr-CA` is French), and
/// whether they are its own (false: English, to translate).
pub(super) fn texts(code: &str) -> (&'static Texts, bool) {
    match code.split('-').next().unwrap_or_default() {
        "en" => (&EN, true),
        "fr" => (&FR, true),
        "de" => (&DE, true),
        _ => (&EN, false),
    }
}

/// The codes of `--languages`: each a language code Letterbox accepts,
/// none twice.
pub(super) fn check_codes(codes: &[String]) -> anyhow::Result<()> {
    for (i, code) in codes.iter().enumerate() {
        crate::config::languages::check_code(code)
            .map_err(|why| anyhow::anyhow!("--languages: {why}"))?;
        if codes[..i].contains(code) {
            anyhow::bail!("--languages: `{code}` is given twice");
        }
    }
    Ok(())
}

/// `templates/base.html` of a multilingual starter site: the built-in
/// skeleton with its words from `trans()` and a language switcher over the
/// page's (or section's) translations.
pub(super) const BASE_HTML: &str = include_str!("base.html");

/// `templates/letterbox/post-card.html`: a post in a list, its link text
/// translated.
pub(super) const POST_CARD_HTML: &str = include_str!("post-card.html");

/// `templates/letterbox/post-meta.html`: date, reading time and tags.
pub(super) const POST_META_HTML: &str = include_str!("post-meta.html");

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_the_same_keys() {
        let keys = |t: &Texts| t.strings.map(|(k, _)| k);
        assert_eq!(keys(&EN), keys(&FR));
        assert_eq!(keys(&EN), keys(&DE));
    }

    #[test]
    fn regional_codes_use_their_language_and_others_english() {
        assert_eq!(texts("fr-CA").0.send, "Envoyer");
        assert!(texts("fr-CA").1);
        let (es, own) = texts("es");
        assert_eq!((es.send, own), ("Send", false));
    }

    #[test]
    fn codes_are_checked() {
        let codes =
            |list: &[&str]| -> Vec<String> { list.iter().map(|c| (*c).to_owned()).collect() };
        assert!(check_codes(&codes(&["en", "fr", "pt-BR"])).is_ok());
        let err = check_codes(&codes(&["en", "French"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--languages: `French` is not a language code"),
            "{err}"
        );
        let err = check_codes(&codes(&["fr", "en", "fr"]))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "--languages: `fr` is given twice");
    }
}
