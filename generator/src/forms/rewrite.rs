//! Rewriting a rendered page's forms: each `form[data-form]` posts to the
//! API and gets its honeypot; its schema is read on the way.

use super::assets::add_script;
use super::discovery::Discovery;
use super::settings::{FormSettings, FormSource};
use letterbox_forms::text::escape_html;
use letterbox_forms::{Captcha, Form, PAGE_FIELD};
use lol_html::html_content::{ContentType, Element};
use lol_html::{RewriteStrSettings, element, end_tag, rewrite_str, text};
use std::cell::RefCell;
use std::rc::Rc;

/// [`rewrite_forms_in`] for a page known by its file name only; every
/// problem in one error.
#[cfg(test)]
pub(crate) fn rewrite_forms(
    html: &str,
    source: &str,
    settings: &FormSettings,
) -> anyhow::Result<(String, Vec<Form>)> {
    let source = FormSource {
        file: source,
        body: None,
        path: None,
        lang: None,
    };
    rewrite_forms_in(html, source, settings).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("{e:#}")).collect();
        anyhow::anyhow!("{}", lines.join("\n"))
    })
}

/// Rewrites every `form[data-form]` in `html` and returns the new HTML with
/// the forms found, or one error per problem, each at its file and line.
// Long: one lol_html rewrite whose element and text handlers share the
// discovery state; apart they would each need it threaded through.
pub(crate) fn rewrite_forms_in(
    html: &str,
    source: FormSource<'_>,
    settings: &FormSettings,
) -> Result<(String, Vec<Form>), Vec<anyhow::Error>> {
    // Most pages have no form: skip the HTML parser for them entirely.
    if !html.contains("data-form") {
        return Ok((html.to_owned(), Vec::new()));
    }
    let file = source.file;

    let state = Rc::new(RefCell::new(Discovery::new(source)));
    let api_base = settings.api_url.trim_end_matches('/').to_owned();
    let settings_overrides = &settings.overrides;
    let page_path = source.path.map(str::to_owned);
    let words = source.lang.and_then(script_words);

    let on_form = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            let name = el.get_attribute("data-form").unwrap_or_default();
            let (honeypot, captcha) = {
                let mut st = state.borrow_mut();
                st.start_form(&name, el);
                let form = st.current.as_ref();
                (
                    form.map(|f| f.honeypot.clone()),
                    form.and_then(|f| f.captcha.clone()),
                )
            };
            let Some(honeypot) = honeypot else {
                return Ok(());
            };
            el.set_attribute("method", "post")?;
            el.set_attribute("action", &format!("{api_base}/api/forms/{name}"))?;
            el.append(&honeypot_html(&honeypot), ContentType::Html);
            if let Some(words) = &words {
                // The script's status lines, in the page's language; a
                // form's own texts win. Success text only shows without a
                // redirect.
                for (attribute, text) in [
                    ("data-error", words.error),
                    ("data-offline", words.offline),
                    ("data-retry", words.retry),
                ] {
                    if el.get_attribute(attribute).is_none() {
                        el.set_attribute(attribute, text)?;
                    }
                }
                if el.get_attribute("data-success").is_none()
                    && el.get_attribute("data-redirect").is_none()
                {
                    el.set_attribute("data-success", words.success)?;
                }
            }
            let moderated = (settings_overrides.get(&name)).is_some_and(|c| !c.publish.is_empty());
            if moderated && let Some(path) = page_path.as_deref() {
                // Approved entries are shown on the page they came from.
                el.append(
                    &format!(
                        "<input type=\"hidden\" name=\"{PAGE_FIELD}\" value=\"{}\">",
                        escape_html(path)
                    ),
                    ContentType::Html,
                );
            }
            if let Some(captcha) = &captcha {
                // Before the first submit button if there is one (see
                // `on_submit`), else at the end of the form.
                state.borrow_mut().pending_widget = Some(captcha_widget(captcha));
            }
            let state = Rc::clone(&state);
            el.on_end_tag(end_tag!(move |end| {
                let mut st = state.borrow_mut();
                if let Some(widget) = st.pending_widget.take() {
                    end.before(&widget, ContentType::Html);
                }
                st.finish_form();
                Ok(())
            }))?;
            Ok(())
        }
    };
    let on_input = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            state.borrow_mut().input(el);
            Ok(())
        }
    };
    let on_textarea = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            state.borrow_mut().textarea(el);
            Ok(())
        }
    };
    let on_select = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            state.borrow_mut().start_select(el);
            let state = Rc::clone(&state);
            // A select without an end tag is closed by the form's end, where
            // `finish_form` flushes it too.
            let _ = el.on_end_tag(end_tag!(move |_end| {
                state.borrow_mut().finish_select();
                Ok(())
            }));
            Ok(())
        }
    };
    let on_option = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            state.borrow_mut().option(el);
            Ok(())
        }
    };
    let on_option_text = {
        let state = Rc::clone(&state);
        move |chunk: &mut lol_html::html_content::TextChunk| {
            state.borrow_mut().option_text(chunk.as_str());
            Ok(())
        }
    };
    let on_button = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            state.borrow_mut().button(el);
            Ok(())
        }
    };
    let on_submit = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            let submits = match el.tag_name().as_str() {
                "button" => el
                    .get_attribute("type")
                    .is_none_or(|t| t.eq_ignore_ascii_case("submit")),
                _ => el.get_attribute("type").is_some_and(|t| {
                    t.eq_ignore_ascii_case("submit") || t.eq_ignore_ascii_case("image")
                }),
            };
            if submits && let Some(widget) = state.borrow_mut().pending_widget.take() {
                el.before(&widget, ContentType::Html);
            }
            Ok(())
        }
    };

    let rewritten = rewrite_str(
        html,
        RewriteStrSettings::new()
            .append_element_content_handler(element!("form[data-form]", on_form))
            .append_element_content_handler(element!("form[data-form] input", on_input))
            .append_element_content_handler(element!("form[data-form] textarea", on_textarea))
            .append_element_content_handler(element!("form[data-form] select", on_select))
            .append_element_content_handler(element!("form[data-form] option", on_option))
            .append_element_content_handler(text!("form[data-form] option", on_option_text))
            .append_element_content_handler(element!("form[data-form] button[name]", on_button))
            .append_element_content_handler(element!(
                "form[data-form] button, form[data-form] input",
                on_submit
            )),
    );
    let mut rewritten = match rewritten {
        Ok(html) => html,
        Err(e) => {
            let message = format!("cannot process the page's forms: {e}");
            return Err(vec![crate::diagnostic::error(file, None, message)]);
        }
    };

    let state = Rc::try_unwrap(state)
        .map_err(|_| {
            vec![crate::diagnostic::error(
                file,
                None,
                "form discovery state still shared",
            )]
        })?
        .into_inner();
    let forms = state.finish(settings)?;
    if !forms.is_empty()
        && let Some(url) = &settings.script_url
    {
        add_script(&mut rewritten, url);
    }
    // Each CAPTCHA provider's script once per page.
    let mut scripts: Vec<String> = Vec::new();
    for form in &forms {
        if let Some(captcha) = &form.captcha {
            let script = (settings.overrides.get(&form.name))
                .and_then(|c| c.captcha_script.clone())
                .unwrap_or_else(|| captcha.provider.default_script_url().to_owned());
            if !scripts.contains(&script) {
                add_script(&mut rewritten, &script);
                scripts.push(script);
            }
        }
    }
    Ok((rewritten, forms))
}

/// The provider's widget: the element its script turns into a CAPTCHA,
/// marked for the form script (which shows a `captcha` error at it).
fn captcha_widget(captcha: &Captcha) -> String {
    format!(
        "<div class=\"{}\" data-sitekey=\"{}\" data-lb-field=\"captcha\"></div>",
        captcha.provider.widget_class(),
        // Checked to be plain already; escaped all the same.
        escape_html(&captcha.sitekey)
    )
}

/// The form script's status lines in a language other than English (the
/// script's own): shown over a form the API rejected, after a post without
/// `data-redirect`, when the server cannot be reached, and after too many
/// posts (`{}`: the seconds to wait).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ScriptWords {
    pub error: &'static str,
    pub success: &'static str,
    pub offline: &'static str,
    pub retry: &'static str,
}

/// [`ScriptWords`] for `lang` by its primary subtag (`fr-CA` is French):
/// French and German, as the API's message catalogues; `None` keeps the
/// script's English.
pub(crate) fn script_words(lang: &str) -> Option<ScriptWords> {
    match lang.split('-').next().unwrap_or_default() {
        "fr" => Some(ScriptWords {
            error: "Veuillez corriger les champs signalés.",
            success: "Merci ! Votre envoi a bien été reçu.",
            offline: "Le serveur est injoignable. Votre saisie est conservée ; veuillez réessayer.",
            retry: "Veuillez réessayer dans {} secondes.",
        }),
        "de" => Some(ScriptWords {
            error: "Bitte korrigieren Sie die markierten Felder.",
            success: "Danke! Ihre Eingabe ist angekommen.",
            offline: "Der Server ist nicht erreichbar. Ihre Eingaben bleiben erhalten; bitte versuchen Sie es erneut.",
            retry: "Bitte versuchen Sie es in {} Sekunden erneut.",
        }),
        _ => None,
    }
}

/// The visually hidden trap field. Humans never see or reach it (no tab
/// stop, hidden from assistive technology); naive bots fill it in.
fn honeypot_html(name: &str) -> String {
    format!(
        "<div class=\"lb-hp\" aria-hidden=\"true\" style=\"position:absolute!important;left:-10000px;\
         width:1px;height:1px;overflow:hidden\"><label>Leave this field empty \
         <input type=\"text\" name=\"{name}\" value=\"\" tabindex=\"-1\" autocomplete=\"off\" \
         aria-hidden=\"true\"></label></div>"
    )
}
