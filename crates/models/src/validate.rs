//! Field-level validation errors: which field, which rule, what to do.

use std::fmt;

/// Where a field lives in the HTTP request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Location {
    /// The JSON body.
    Body,
    /// The URL path (`openid`, `coupon_code`, …).
    Path,
    /// The query string of a GET.
    Query,
}

impl Location {
    /// `body` or `path`, as in WeChat Pay's PARAM_ERROR detail.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Body => "body",
            Location::Path => "path",
            Location::Query => "query",
        }
    }
}

/// The rule a field breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// Required and missing (or empty).
    Required,
    /// Length, in characters, outside `min..=max`.
    Length {
        /// Fewest characters allowed.
        min: usize,
        /// Most characters allowed.
        max: usize,
        /// Characters given.
        actual: usize,
    },
    /// Characters outside the allowed set.
    Charset(&'static str),
    /// A JSON value of the wrong type.
    Type(&'static str),
    /// The body is not JSON (or not UTF-8).
    Json(String),
    /// Characters that cannot go into a URL path segment as an id.
    PathUnsafe,
    /// The MEMBER tag is listed without `member_tag_info`.
    MemberTagInfo,
    /// A field given where the stock's mode forbids it, or missing where it requires it;
    /// also any rule best said in words.
    Mode(String),
    /// A value outside the documented set.
    OneOf(&'static [&'static str]),
    /// A number outside `min..=max`.
    Range {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
        /// Given.
        actual: i64,
    },
    /// A list with a number of items outside `min..=max`.
    Items {
        /// Fewest items allowed.
        min: usize,
        /// Most items allowed.
        max: usize,
        /// Items given.
        actual: usize,
    },
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Required => f.write_str("is required and must not be empty"),
            Rule::Length { min, max, actual } if min == max => {
                write!(f, "must be exactly {min} characters, got {actual}")
            }
            Rule::Length { min: 0 | 1, max, actual } => {
                write!(f, "must be at most {max} characters, got {actual}")
            }
            Rule::Length { min, max, actual } => {
                write!(f, "must be {min} to {max} characters, got {actual}")
            }
            Rule::Charset(allowed) => write!(f, "may only contain {allowed}"),
            Rule::Type(expected) => write!(f, "must be {expected}"),
            Rule::Json(why) => write!(f, "is not valid JSON: {why}"),
            Rule::PathUnsafe => f.write_str("must not contain spaces or control characters"),
            Rule::MemberTagInfo => f.write_str(
                "is required when coupon_tag_list contains MEMBER (give member_tag_info.member_card_id)",
            ),
            Rule::Mode(why) => f.write_str(why),
            Rule::OneOf(values) => write!(f, "must be one of {}", values.join(", ")),
            Rule::Range { min, max, actual } => {
                write!(f, "must be between {min} and {max}, got {actual}")
            }
            Rule::Items { min, max, actual } => {
                write!(f, "must have {min} to {max} items, got {actual}")
            }
        }
    }
}

/// One broken rule on one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the field, e.g. `coupon_tag_info.member_tag_info`; `openid` for the path.
    pub field: String,
    /// Body or path.
    pub location: Location,
    /// What is wrong.
    pub rule: Rule,
}

impl FieldError {
    /// A body field error.
    pub fn body(field: impl Into<String>, rule: Rule) -> Self {
        Self {
            field: field.into(),
            location: Location::Body,
            rule,
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.rule)
    }
}

/// Every rule a request breaks, in field order: fix them all in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    errors: Vec<FieldError>,
}

impl ValidationError {
    /// Wraps a non-empty list.
    pub fn new(errors: Vec<FieldError>) -> Self {
        Self { errors }
    }

    /// One broken rule.
    pub fn single(error: FieldError) -> Self {
        Self {
            errors: vec![error],
        }
    }

    /// The broken rules.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The first broken rule (what a server answering one error at a time reports).
    pub fn first(&self) -> Option<&FieldError> {
        self.errors.first()
    }

    /// Whether `field` breaks a rule.
    pub fn has(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid request: ")?;
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// Collects field errors.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    errors: Vec<FieldError>,
}

/// The id charset WeChat Pay allows in request numbers and codes.
pub(crate) const ID_CHARSET: &str = "digits, letters, '_' and '-'";

/// What free text may hold: WeChat Pay shows names and wordings on one line.
pub(crate) const PRINTABLE: &str =
    "printable text (no control characters such as NUL, ESC or line breaks)";

pub(crate) fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

impl Checker {
    pub(crate) fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    pub(crate) fn body(&mut self, field: &str, rule: Rule) {
        self.push(FieldError::body(field, rule));
    }

    /// Required, non-empty, at most `max` characters of printable text.
    pub(crate) fn required(&mut self, field: &str, value: &str, max: usize) {
        if value.is_empty() {
            self.body(field, Rule::Required);
        } else if self.length(field, value, 1, max) {
            self.printable(Location::Body, field, value);
        }
    }

    /// Printable text: no control characters.
    pub(crate) fn printable(&mut self, location: Location, field: &str, value: &str) {
        if value.chars().any(char::is_control) {
            self.at(location, field, Rule::Charset(PRINTABLE));
        }
    }

    /// Length within `min..=max` characters.
    pub(crate) fn length(&mut self, field: &str, value: &str, min: usize, max: usize) -> bool {
        let actual = value.chars().count();
        let ok = (min..=max).contains(&actual);
        if !ok {
            self.body(field, Rule::Length { min, max, actual });
        }
        ok
    }

    /// An id of `[0-9A-Za-z_-]`, `min..=max` long.
    pub(crate) fn id(&mut self, field: &str, value: &str, min: usize, max: usize) {
        if value.is_empty() {
            self.body(field, Rule::Required);
        } else if self.length(field, value, min, max) && !value.chars().all(is_id_char) {
            self.body(field, Rule::Charset(ID_CHARSET));
        }
    }

    /// A path parameter: required, at most `max` characters, safe in a path segment.
    pub(crate) fn path(&mut self, field: &str, value: &str, max: usize) {
        let actual = value.chars().count();
        let rule = if value.is_empty() {
            Some(Rule::Required)
        } else if actual > max {
            Some(Rule::Length {
                min: 1,
                max,
                actual,
            })
        } else if value
            .chars()
            .any(|ch| ch.is_whitespace() || ch.is_control())
        {
            Some(Rule::PathUnsafe)
        } else {
            None
        };
        if let Some(rule) = rule {
            self.push(FieldError {
                field: field.into(),
                location: Location::Path,
                rule,
            });
        }
    }

    /// A required query parameter of at most `max` characters of printable text.
    pub(crate) fn query(&mut self, field: &str, value: &str, max: usize) {
        let actual = value.chars().count();
        let rule = if value.is_empty() {
            Rule::Required
        } else if actual > max {
            Rule::Length {
                min: 1,
                max,
                actual,
            }
        } else if value.chars().any(char::is_control) {
            Rule::Charset(PRINTABLE)
        } else {
            return;
        };
        self.push(FieldError {
            field: field.into(),
            location: Location::Query,
            rule,
        });
    }

    /// An optional string of `min..=max` characters of printable text.
    pub(crate) fn optional(&mut self, field: &str, value: Option<&str>, min: usize, max: usize) {
        if let Some(value) = value
            && self.length(field, value, min, max)
        {
            self.printable(Location::Body, field, value);
        }
    }

    /// A number within `min..=max`.
    pub(crate) fn range(&mut self, field: &str, value: i64, min: i64, max: i64) {
        if !(min..=max).contains(&value) {
            self.body(
                field,
                Rule::Range {
                    min,
                    max,
                    actual: value,
                },
            );
        }
    }

    /// A list of `min..=max` items.
    pub(crate) fn items(&mut self, field: &str, len: usize, min: usize, max: usize) {
        if !(min..=max).contains(&len) {
            self.body(
                field,
                Rule::Items {
                    min,
                    max,
                    actual: len,
                },
            );
        }
    }

    /// A wire enum value this version knows (requests may only send documented values).
    pub(crate) fn known<E: crate::enums::WireEnum>(&mut self, field: &str, value: &E) {
        if !value.is_known() {
            self.body(field, Rule::OneOf(E::NAMES));
        }
    }

    pub(crate) fn finish(self) -> Result<(), ValidationError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationError::new(self.errors))
        }
    }
}

/// `prefix.name`, or `name` when `prefix` is empty: the JSON path of a nested field.
pub(crate) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// `prefix[i]`: the JSON path of a list item, as serde_path_to_error writes it.
pub(crate) fn index(prefix: &str, i: usize) -> String {
    format!("{prefix}[{i}]")
}

/// The documented page size range of every list operation.
pub(crate) const PAGE_SIZE: (i64, i64) = (1, 50);

impl Checker {
    /// A broken rule at any location.
    pub(crate) fn at(&mut self, location: Location, field: &str, rule: Rule) {
        self.push(FieldError {
            field: field.into(),
            location,
            rule,
        });
    }

    /// A required enum: empty is required, an unknown value is not one of the documented.
    pub(crate) fn required_enum<E: crate::enums::WireEnum>(&mut self, field: &str, value: &E) {
        if value.as_wire().is_empty() {
            self.body(field, Rule::Required);
        } else {
            self.known(field, value);
        }
    }

    /// A known enum value in the query string.
    pub(crate) fn known_query<E: crate::enums::WireEnum>(&mut self, field: &str, value: &E) {
        if !value.is_known() {
            self.at(Location::Query, field, Rule::OneOf(E::NAMES));
        }
    }

    /// A required optional: reports `Required` when absent, else hands the value on.
    pub(crate) fn present<'a, T>(&mut self, field: &str, value: &'a Option<T>) -> Option<&'a T> {
        if value.is_none() {
            self.body(field, Rule::Required);
        }
        value.as_ref()
    }

    /// A field that must not be given in this case (`why` completes "must not be given …").
    pub(crate) fn forbidden(&mut self, field: &str, given: bool, why: &str) {
        if given {
            self.body(field, Rule::Mode(format!("must not be given {why}")));
        }
    }

    /// An optional number within `min..=max`.
    pub(crate) fn optional_range(&mut self, field: &str, value: Option<i64>, min: i64, max: i64) {
        if let Some(value) = value {
            self.range(field, value, min, max);
        }
    }

    /// A required number within `min..=max`.
    pub(crate) fn required_range(&mut self, field: &str, value: Option<i64>, min: i64, max: i64) {
        match value {
            Some(value) => self.range(field, value, min, max),
            None => self.body(field, Rule::Required),
        }
    }

    /// An optional id of `[0-9A-Za-z_-]`, `min..=max` long.
    pub(crate) fn optional_id(&mut self, field: &str, value: Option<&str>, min: usize, max: usize) {
        if let Some(value) = value {
            self.id(field, value, min, max);
        }
    }

    /// No value twice in a list.
    pub(crate) fn unique<'a>(&mut self, field: &str, values: impl IntoIterator<Item = &'a str>) {
        let mut seen = std::collections::HashSet::new();
        for value in values {
            if !seen.insert(value) {
                self.body(field, Rule::Mode(format!("has {value:?} more than once")));
                return;
            }
        }
    }

    /// `page_size` (query): 1–50 when given.
    pub(crate) fn page_size(&mut self, value: Option<i64>) {
        let (min, max) = PAGE_SIZE;
        if let Some(actual) = value.filter(|v| !(min..=max).contains(v)) {
            self.at(
                Location::Query,
                "page_size",
                Rule::Range { min, max, actual },
            );
        }
    }

    /// An optional query parameter of at most `max` characters.
    pub(crate) fn query_optional(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(value) = value {
            self.query(field, value, max);
        }
    }

    /// The request's own `brand_id`, when set: 1–64 printable characters, in the body or
    /// the query.
    pub(crate) fn brand(&mut self, location: Location, value: Option<&str>) {
        let Some(value) = value else { return };
        let actual = value.chars().count();
        if !(1..=64).contains(&actual) {
            self.at(
                location,
                "brand_id",
                Rule::Length {
                    min: 1,
                    max: 64,
                    actual,
                },
            );
        } else {
            self.printable(location, "brand_id", value);
        }
    }
}
