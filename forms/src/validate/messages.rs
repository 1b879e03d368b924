//! Validation messages in the page's language. The checks speak English;
//! the manifest gives each form its language's texts as a map from the
//! English message (`{}` standing for each value it shows, in order) to
//! the translation, and [`localize`] puts the errors into it. The
//! catalogue those maps come from ([`catalogue`]: English, French and
//! German, one static table) is build-time only, so the component carries
//! no table, only the texts of the site's own languages.

#[cfg(feature = "build")]
use std::collections::BTreeMap;

use super::rules::FieldError;

/// The languages of the built-in catalogue.
#[cfg(feature = "build")]
pub const MESSAGE_LANGUAGES: [&str; 3] = ["en", "fr", "de"];

#[cfg(feature = "build")]
/// `[id, en, fr, de]`. More specific entries (singulars) come first.
const TABLE: &[[&str; 4]] = &[
    [
        "required",
        "Please fill in this field.",
        "Veuillez renseigner ce champ.",
        "Bitte füllen Sie dieses Feld aus.",
    ],
    [
        "required_box",
        "Please tick this box if you want to proceed.",
        "Veuillez cocher cette case pour continuer.",
        "Bitte kreuzen Sie dieses Kästchen an, um fortzufahren.",
    ],
    [
        "required_boxes",
        "Please tick at least one of these boxes.",
        "Veuillez cocher au moins une de ces cases.",
        "Bitte kreuzen Sie mindestens eines dieser Kästchen an.",
    ],
    [
        "required_radio",
        "Please select one of these options.",
        "Veuillez sélectionner l’une de ces options.",
        "Bitte wählen Sie eine dieser Optionen.",
    ],
    [
        "required_select",
        "Please select an item in the list.",
        "Veuillez sélectionner un élément de la liste.",
        "Bitte wählen Sie einen Eintrag aus der Liste.",
    ],
    [
        "maxlength_one",
        "Please enter at most 1 character (you entered {}).",
        "Veuillez saisir au plus 1 caractère (vous en avez saisi {}).",
        "Bitte geben Sie höchstens 1 Zeichen ein (Sie haben {} eingegeben).",
    ],
    [
        "maxlength",
        "Please enter at most {} characters (you entered {}).",
        "Veuillez saisir au plus {} caractères (vous en avez saisi {}).",
        "Bitte geben Sie höchstens {} Zeichen ein (Sie haben {} eingegeben).",
    ],
    [
        "minlength_one",
        "Please enter at least 1 character (you entered {}).",
        "Veuillez saisir au moins 1 caractère (vous en avez saisi {}).",
        "Bitte geben Sie mindestens 1 Zeichen ein (Sie haben {} eingegeben).",
    ],
    [
        "minlength",
        "Please enter at least {} characters (you entered {}).",
        "Veuillez saisir au moins {} caractères (vous en avez saisi {}).",
        "Bitte geben Sie mindestens {} Zeichen ein (Sie haben {} eingegeben).",
    ],
    [
        "too_long",
        "This value is too long: at most {} characters are accepted (you entered {}).",
        "Valeur trop longue : {} caractères au plus (vous en avez saisi {}).",
        "Zu lang: höchstens {} Zeichen (Sie haben {} eingegeben).",
    ],
    [
        "multiple",
        "Only one value is allowed for this field (received {}).",
        "Ce champ n’accepte qu’une valeur (reçu : {}).",
        "Dieses Feld erlaubt nur einen Wert (erhalten: {}).",
    ],
    [
        "line_breaks",
        "This field cannot contain line breaks.",
        "Ce champ ne peut pas contenir de retour à la ligne.",
        "Dieses Feld darf keine Zeilenumbrüche enthalten.",
    ],
    [
        "email",
        "Please enter an e-mail address, like name@example.com.",
        "Veuillez saisir une adresse e-mail, comme nom@exemple.fr.",
        "Bitte geben Sie eine E-Mail-Adresse ein, z. B. name@beispiel.de.",
    ],
    [
        "emails_empty",
        "Please enter a comma-separated list of e-mail addresses (one of them is empty).",
        "Veuillez saisir des adresses e-mail séparées par des virgules (l’une est vide).",
        "Bitte geben Sie durch Kommas getrennte E-Mail-Adressen ein (eine ist leer).",
    ],
    [
        "emails",
        "Please enter a comma-separated list of e-mail addresses (“{}” is not one).",
        "Veuillez saisir des adresses e-mail séparées par des virgules (« {} » n’en est pas une).",
        "Bitte geben Sie durch Kommas getrennte E-Mail-Adressen ein („{}“ ist keine).",
    ],
    [
        "url",
        "Please enter a URL, like https://example.com/.",
        "Veuillez saisir une URL, comme https://exemple.fr/.",
        "Bitte geben Sie eine URL ein, z. B. https://beispiel.de/.",
    ],
    [
        "colour",
        "Please enter a colour as #rrggbb, like #1a2b3c.",
        "Veuillez saisir une couleur #rrvvbb, comme #1a2b3c.",
        "Bitte geben Sie eine Farbe als #rrggbb ein, z. B. #1a2b3c.",
    ],
    [
        "option",
        "Please choose one of the options offered.",
        "Veuillez choisir l’une des options proposées.",
        "Bitte wählen Sie eine der angebotenen Optionen.",
    ],
    [
        "pattern",
        "Please match the requested format.",
        "Veuillez respecter le format demandé.",
        "Bitte halten Sie sich an das verlangte Format.",
    ],
    [
        "pattern_each",
        "Please match the requested format for each address.",
        "Veuillez respecter le format demandé pour chaque adresse.",
        "Bitte halten Sie für jede Adresse das verlangte Format ein.",
    ],
    [
        "number_min",
        "Please enter a number no less than {}.",
        "Veuillez saisir un nombre supérieur ou égal à {}.",
        "Bitte geben Sie eine Zahl ab {} ein.",
    ],
    [
        "number_max",
        "Please enter a number no greater than {}.",
        "Veuillez saisir un nombre inférieur ou égal à {}.",
        "Bitte geben Sie eine Zahl bis {} ein.",
    ],
    [
        "step_one",
        "Please enter a valid value. The nearest valid value is {}.",
        "Veuillez saisir une valeur valide. La plus proche est {}.",
        "Bitte geben Sie einen gültigen Wert ein. Der nächste ist {}.",
    ],
    [
        "step_two",
        "Please enter a valid value. The two nearest valid values are {} and {}.",
        "Veuillez saisir une valeur valide. Les deux plus proches sont {} et {}.",
        "Bitte geben Sie einen gültigen Wert ein. Die nächsten sind {} und {}.",
    ],
    [
        "step",
        "Please enter a valid value: it does not fit the field's step.",
        "Veuillez saisir une valeur valide : elle ne respecte pas le pas du champ.",
        "Bitte geben Sie einen gültigen Wert ein: er passt nicht zur Schrittweite.",
    ],
    [
        "date",
        "Please enter a valid date as YYYY-MM-DD, like 2026-11-28.",
        "Veuillez saisir une date AAAA-MM-JJ, comme 2026-11-28.",
        "Bitte geben Sie ein Datum als JJJJ-MM-TT ein, z. B. 2026-11-28.",
    ],
    [
        "month",
        "Please enter a month as YYYY-MM, like 2026-11.",
        "Veuillez saisir un mois AAAA-MM, comme 2026-11.",
        "Bitte geben Sie einen Monat als JJJJ-MM ein, z. B. 2026-11.",
    ],
    [
        "week",
        "Please enter a week as YYYY-Www, like 2026-W48.",
        "Veuillez saisir une semaine AAAA-Www, comme 2026-W48.",
        "Bitte geben Sie eine Woche als JJJJ-Www ein, z. B. 2026-W48.",
    ],
    [
        "time",
        "Please enter a time as HH:MM, like 14:30.",
        "Veuillez saisir une heure HH:MM, comme 14:30.",
        "Bitte geben Sie eine Uhrzeit als HH:MM ein, z. B. 14:30.",
    ],
    [
        "datetime",
        "Please enter a date and time as YYYY-MM-DDTHH:MM, like 2026-11-28T14:30.",
        "Veuillez saisir une date et une heure AAAA-MM-JJTHH:MM, comme 2026-11-28T14:30.",
        "Bitte geben Sie Datum und Uhrzeit als JJJJ-MM-TTTHH:MM ein, z. B. 2026-11-28T14:30.",
    ],
    [
        "time_between",
        "Please enter a time between {} and {} (across midnight).",
        "Veuillez saisir une heure entre {} et {} (en passant minuit).",
        "Bitte geben Sie eine Uhrzeit zwischen {} und {} ein (über Mitternacht).",
    ],
    [
        "earliest",
        "Please enter a value no earlier than {}.",
        "Veuillez saisir une valeur à partir de {}.",
        "Bitte geben Sie einen Wert ab {} ein.",
    ],
    [
        "latest",
        "Please enter a value no later than {}.",
        "Veuillez saisir une valeur jusqu’à {}.",
        "Bitte geben Sie einen Wert bis {} ein.",
    ],
    [
        "unknown",
        "This form has no field named “{}”.",
        "Ce formulaire n’a pas de champ « {} ».",
        "Dieses Formular hat kein Feld „{}“.",
    ],
    [
        "limit",
        "Too many values: a submission may hold at most {}.",
        "Trop de valeurs : {} au plus par envoi.",
        "Zu viele Werte: höchstens {} pro Sendung.",
    ],
];

/// Whether `id` names a message of the table (for `site.toml` overrides).
#[cfg(feature = "build")]
pub fn is_message_id(id: &str) -> bool {
    TABLE.iter().any(|row| row[0] == id)
}

/// The texts of `lang` for a form of the manifest: English message →
/// translation, the site's own `overrides` (by message id) before the
/// table's. Empty for English without overrides; a language the table
/// does not have gets only the overrides (the rest stays English).
#[cfg(feature = "build")]
pub fn catalogue(lang: &str, overrides: &BTreeMap<String, String>) -> Vec<String> {
    let column = MESSAGE_LANGUAGES.iter().position(|l| *l == lang);
    let texts: BTreeMap<String, String> = TABLE
        .iter()
        .filter_map(|row| {
            let text = match (overrides.get(row[0]), column) {
                (Some(own), _) => own.as_str(),
                (None, Some(c)) if c > 0 => row[c + 1],
                _ => return None,
            };
            Some((row[1].to_owned(), text.to_owned()))
        })
        .collect();
    // In English order, so a singular (`1 character`) comes before `{}`.
    texts
        .into_iter()
        .flat_map(|(en, text)| [en, text])
        .collect()
}

/// The values a message holds in place of the `{}` of `template`, if it
/// is that template's message.
fn matches<'m>(template: &str, message: &'m str) -> Option<Vec<&'m str>> {
    let mut parts = template.split("{}");
    let first = parts.next()?;
    let mut rest = message.strip_prefix(first)?;
    let mut values = Vec::new();
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        let at = if i + 1 == parts.len() {
            rest.len()
                .checked_sub(part.len())
                .filter(|&at| rest.get(at..) == Some(part))?
        } else {
            rest.find(part)?
        };
        values.push(rest.get(..at)?);
        rest = rest.get(at + part.len()..)?;
    }
    (parts.is_empty() && rest.is_empty() || !parts.is_empty()).then_some(values)
}

/// `template` with its `{}` replaced by `values`, in order.
fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    for (i, part) in template.split("{}").enumerate() {
        if i > 0 {
            out.push_str(values.get(i - 1).copied().unwrap_or_default());
        }
        out.push_str(part);
    }
    out
}

/// Puts `errors` into the form's language: `texts` pairs an English
/// message with its translation (see [`catalogue`]); a message without one
/// stays in English.
pub fn localize(errors: &mut [FieldError], texts: &[String]) {
    for error in errors {
        let found = (texts.chunks_exact(2))
            .find_map(|pair| Some((&pair[1], matches(&pair[0], &error.message)?)));
        if let Some((text, values)) = found {
            error.message = fill(text, &values);
        }
    }
}

#[cfg(all(test, feature = "build"))]
mod tests {
    use super::*;

    fn error(message: &str) -> Vec<FieldError> {
        vec![FieldError::new("x", "rule", message)]
    }

    fn localize(errors: &mut [FieldError], lang: &str, own: &BTreeMap<String, String>) {
        super::localize(errors, &catalogue(lang, own));
    }

    #[test]
    fn messages_in_french_and_german() {
        let none = BTreeMap::new();
        let mut e = error("Please fill in this field.");
        localize(&mut e, "fr", &none);
        assert_eq!(e[0].message, "Veuillez renseigner ce champ.");
        let mut e = error("Please enter at least 10 characters (you entered 3).");
        localize(&mut e, "de", &none);
        assert_eq!(
            e[0].message,
            "Bitte geben Sie mindestens 10 Zeichen ein (Sie haben 3 eingegeben)."
        );
        let mut e = error("Please enter at most 1 character (you entered 2).");
        localize(&mut e, "fr", &none);
        assert_eq!(
            e[0].message,
            "Veuillez saisir au plus 1 caractère (vous en avez saisi 2)."
        );
        let mut e = error("Please enter a valid value. The two nearest valid values are 2 and 4.");
        localize(&mut e, "fr", &none);
        assert_eq!(
            e[0].message,
            "Veuillez saisir une valeur valide. Les deux plus proches sont 2 et 4."
        );
        let mut e = error("Something unknown.");
        localize(&mut e, "fr", &none);
        assert_eq!(e[0].message, "Something unknown.");
        let mut e = error("Please fill in this field.");
        localize(&mut e, "es", &none);
        assert_eq!(
            e[0].message, "Please fill in this field.",
            "no Spanish table"
        );
    }

    #[test]
    fn a_site_overrides_a_message() {
        let own = BTreeMap::from([(
            "minlength".to_owned(),
            "Encore un effort : {} minimum.".to_owned(),
        )]);
        let mut e = error("Please enter at least 10 characters (you entered 3).");
        localize(&mut e, "fr", &own);
        assert_eq!(e[0].message, "Encore un effort : 10 minimum.");
        let mut e = error("Please fill in this field.");
        localize(&mut e, "fr", &own);
        assert_eq!(e[0].message, "Veuillez renseigner ce champ.");
        assert!(is_message_id("minlength") && !is_message_id("nope"));
    }

    #[test]
    fn every_english_message_of_the_checks_is_in_the_table() {
        for row in TABLE {
            assert_eq!(
                row[1].matches("{}").count(),
                row[2].matches("{}").count(),
                "{}",
                row[0]
            );
            assert_eq!(
                row[1].matches("{}").count(),
                row[3].matches("{}").count(),
                "{}",
                row[0]
            );
        }
    }
}
