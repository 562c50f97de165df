//! Form fields as the templates draw them (label, hint, value, plain-language error), the page
//! frame every template shares, and the parsing of amounts as people type them.

use std::collections::HashMap;

use pocket_domain::Money;

use super::assets::ASSETS;

/// What the base template needs on every page.
#[derive(Debug, Clone)]
pub struct Page {
    pub title: String,
    pub csrf: String,
    pub signed_in: bool,
    pub css: &'static str,
    pub js: &'static str,
}

impl Page {
    pub fn new(title: impl Into<String>, csrf: impl Into<String>, signed_in: bool) -> Page {
        Page {
            title: title.into(),
            csrf: csrf.into(),
            signed_in,
            css: ASSETS.css_url.as_str(),
            js: ASSETS.js_url.as_str(),
        }
    }
}

/// How a field is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Tel,
    Email,
    /// Digits typed on a phone's number pad (`inputmode=numeric`), kept as text.
    Digits,
    /// An amount in rand (`inputmode=decimal`).
    Rand,
    Select,
    Checkbox,
    /// A file chooser (multipart forms only).
    File,
}

/// One choice of a select.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One field of a form.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: String,
    pub hint: String,
    pub kind: Kind,
    pub value: String,
    pub checked: bool,
    pub error: Option<String>,
    pub choices: Vec<Choice>,
    pub autocomplete: &'static str,
    pub required: bool,
}

impl Field {
    pub fn new(name: &'static str, label: &str, kind: Kind) -> Field {
        Field {
            name,
            label: label.to_owned(),
            hint: String::new(),
            kind,
            value: String::new(),
            checked: false,
            error: None,
            choices: Vec::new(),
            autocomplete: "off",
            required: true,
        }
    }

    pub fn hint(mut self, hint: &str) -> Field {
        self.hint = hint.to_owned();
        self
    }

    pub fn optional(mut self) -> Field {
        self.required = false;
        self
    }

    pub fn autocomplete(mut self, token: &'static str) -> Field {
        self.autocomplete = token;
        self
    }

    pub fn value(mut self, value: impl Into<String>) -> Field {
        self.value = value.into();
        self
    }

    pub fn checked(mut self, checked: bool) -> Field {
        self.checked = checked;
        self
    }

    pub fn choices(mut self, choices: &[(&str, &str)]) -> Field {
        self.choices = choices
            .iter()
            .map(|(v, l)| Choice {
                value: (*v).to_owned(),
                label: (*l).to_owned(),
                selected: false,
            })
            .collect();
        self
    }

    /// The element id (the error summary links to it).
    pub fn id(&self) -> String {
        format!("f-{}", self.name)
    }

    pub fn is_text(&self) -> bool {
        !matches!(self.kind, Kind::Select | Kind::Checkbox)
    }

    pub fn is_select(&self) -> bool {
        self.kind == Kind::Select
    }

    pub fn is_checkbox(&self) -> bool {
        self.kind == Kind::Checkbox
    }

    pub fn input_type(&self) -> &'static str {
        match self.kind {
            Kind::Tel => "tel",
            Kind::Email => "email",
            Kind::File => "file",
            _ => "text",
        }
    }

    pub fn is_file(&self) -> bool {
        self.kind == Kind::File
    }

    pub fn inputmode(&self) -> &'static str {
        match self.kind {
            Kind::Tel => "tel",
            Kind::Email => "email",
            Kind::Digits => "numeric",
            Kind::Rand => "decimal",
            _ => "text",
        }
    }

    /// Marks the choice equal to the field's value.
    fn select_current(&mut self) {
        for c in &mut self.choices {
            c.selected = c.value == self.value;
        }
    }
}

/// A form's fields filled from submitted (or stored) values.
#[derive(Debug, Clone)]
pub struct Form {
    pub fields: Vec<Field>,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Form {
        let mut form = Form { fields };
        form.fields.iter_mut().for_each(Field::select_current);
        form
    }

    /// Fills every field from submitted values (text verbatim, checkboxes by presence).
    pub fn fill(mut self, values: &HashMap<String, String>) -> Form {
        for f in &mut self.fields {
            if f.kind == Kind::Checkbox {
                f.checked = values.contains_key(f.name);
            } else if f.kind == Kind::File {
                continue;
            } else {
                f.value = values.get(f.name).cloned().unwrap_or_default();
            }
            f.select_current();
        }
        self
    }

    pub fn get(&self, name: &str) -> &str {
        self.fields.iter().find(|f| f.name == name).map(|f| f.value.trim()).unwrap_or("")
    }

    pub fn is_checked(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f.name == name && f.checked)
    }

    pub fn error(&mut self, name: &str, message: impl Into<String>) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == name && f.error.is_none()) {
            f.error = Some(message.into());
        }
    }

    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }

    /// Required fields left empty get the plain "Enter ..." error.
    pub fn require(&mut self) {
        let missing: Vec<(&'static str, String)> = self
            .fields
            .iter()
            .filter(|f| f.required && f.error.is_none())
            .filter(
                |f| if f.kind == Kind::Checkbox { !f.checked } else { f.value.trim().is_empty() },
            )
            .map(|f| {
                let what = f.label.to_lowercase();
                let message = match f.kind {
                    Kind::Checkbox => "Tick this box to continue".to_owned(),
                    Kind::Select => format!("Choose your {what}"),
                    _ => format!("Enter your {what}"),
                };
                (f.name, message)
            })
            .collect();
        for (name, message) in missing {
            self.error(name, message);
        }
    }

    /// An optional text value: `None` when empty.
    pub fn optional(&self, name: &str) -> Option<String> {
        let v = self.get(name);
        (!v.is_empty()).then(|| v.to_owned())
    }

    /// Parses an amount in rand into cents, recording a plain error on failure.
    pub fn rand(&mut self, name: &str) -> Option<i64> {
        let text = self.get(name).to_owned();
        if text.is_empty() {
            return None;
        }
        match parse_rand(&text) {
            Ok(m) if m.cents() < 0 => {
                self.error(name, "Enter an amount of zero or more");
                None
            }
            Ok(m) => Some(m.cents()),
            Err(e) => {
                self.error(name, format!("Enter an amount like 12500 or R12 500.00 ({e})"));
                None
            }
        }
    }
}

/// Parses an amount as South Africans type it: `R12 500`, `12500.00`, `12,500`, `12 500,50`.
pub fn parse_rand(text: &str) -> Result<Money, String> {
    let mut t: String =
        text.trim().chars().filter(|c| !matches!(c, '\u{a0}' | '\u{202f}')).collect();
    // A comma before exactly two final digits is a decimal comma; other commas group thousands.
    if let Some(pos) = t.rfind(',') {
        let after = &t[pos + 1..];
        if after.len() == 2 && after.chars().all(|c| c.is_ascii_digit()) && !t.contains('.') {
            t.replace_range(pos..pos + 1, ".");
        }
    }
    let t = t.replace(',', " ");
    Money::parse(&t).map_err(|e| e.to_string())
}

/// Cents as the form shows them back: `12500.00`.
pub fn rand_value(cents: Option<i64>) -> String {
    match cents {
        Some(c) => format!("{}.{:02}", c / 100, (c % 100).abs()),
        None => String::new(),
    }
}

/// Cents for people: `R12 500.00`.
pub fn money(cents: i64) -> String {
    Money::from_cents(cents).to_string()
}
