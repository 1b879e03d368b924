//! Rewriting a rendered page's forms: each `form[data-form]` posts to the
//! API and gets its honeypot; its schema is read on the way.

use super::assets::add_script;
use super::discovery::Discovery;
use super::settings::{FormSettings, FormSource};
use letterbox_forms::Form;
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

    let on_form = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            let name = el.get_attribute("data-form").unwrap_or_default();
            let honeypot = {
                let mut st = state.borrow_mut();
                st.start_form(&name, el);
                st.current.as_ref().map(|f| f.honeypot.clone())
            };
            let Some(honeypot) = honeypot else {
                return Ok(());
            };
            el.set_attribute("method", "post")?;
            el.set_attribute("action", &format!("{api_base}/api/forms/{name}"))?;
            el.append(&honeypot_html(&honeypot), ContentType::Html);
            let state = Rc::clone(&state);
            el.on_end_tag(end_tag!(move |_end| {
                state.borrow_mut().finish_form();
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

    let rewritten = rewrite_str(
        html,
        RewriteStrSettings::new()
            .append_element_content_handler(element!("form[data-form]", on_form))
            .append_element_content_handler(element!("form[data-form] input", on_input))
            .append_element_content_handler(element!("form[data-form] textarea", on_textarea))
            .append_element_content_handler(element!("form[data-form] select", on_select))
            .append_element_content_handler(element!("form[data-form] option", on_option))
            .append_element_content_handler(text!("form[data-form] option", on_option_text))
            .append_element_content_handler(element!("form[data-form] button[name]", on_button)),
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
    Ok((rewritten, forms))
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
