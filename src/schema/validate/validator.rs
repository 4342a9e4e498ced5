//! The walk over a schema: each keyword of a (sub)schema, in the order the schema writes them,
//! yields its errors, which are then stamped with where they arose. This is the shape of
//! Python `jsonschema`'s `Validator.descend`, so errors come out with the same paths, the same
//! `validator` and in the same order as Python's. What each keyword checks is given to the
//! validator ([`Keywords`]), since keywords descend into subschemas through it in turn.

use super::resolver::{Registry, Scope};
use serde_json::{Map, Value as Json};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

/// One failure, as Python's `ValidationError` carries it. `validator` and `instance` start
/// unset (`None`) and are filled by the keyword the error surfaces through, unless the keyword
/// set them itself (`minContains`, or a false schema's `validator: None`).
#[derive(Debug)]
pub struct Error {
    pub message: String,
    pub path: VecDeque<Json>,
    pub schema_path: VecDeque<Json>,
    pub validator: Option<Option<String>>,
    pub instance: Option<Json>,
}

impl Error {
    pub fn new(message: String) -> Self {
        Error {
            message,
            path: VecDeque::new(),
            schema_path: VecDeque::new(),
            validator: None,
            instance: None,
        }
    }

    /// An error reported as another keyword than the one it surfaces through.
    pub fn reported_as(mut self, keyword: &str) -> Self {
        self.validator = Some(Some(keyword.to_string()));
        self
    }
}

/// A schema that cannot be applied (an unresolvable `$ref`, a `pattern` that does not
/// compile), where Python would raise. `schema_path` says where.
#[derive(Debug)]
pub struct Invalid {
    pub message: String,
    pub schema_path: VecDeque<Json>,
}

pub type Errors = Result<Vec<Error>, Invalid>;

/// The errors of one keyword (`keyword: value`, inside the subschema `siblings`) for an
/// instance.
pub type Keywords = for<'s> fn(
    v: &Validator<'s>,
    scope: &Scope,
    keyword: &str,
    value: &'s Json,
    instance: &Json,
    siblings: &'s Siblings,
) -> Errors;

/// Validates instances against the schemas of one [`Registry`].
pub struct Validator<'s> {
    pub registry: Registry<'s>,
    keywords: Keywords,
    regexes: RefCell<HashMap<String, Result<fancy_regex::Regex, String>>>,
}

impl<'s> Validator<'s> {
    pub fn new(registry: Registry<'s>, keywords: Keywords) -> Self {
        Validator {
            registry,
            keywords,
            regexes: RefCell::new(HashMap::new()),
        }
    }

    /// Errors of `instance` against `schema`, each prefixed with `path` (the instance's key or
    /// index) and `schema_path` (the subschema's name or index) when given.
    pub fn descend(
        &self,
        scope: &Scope,
        instance: &Json,
        schema: &'s Json,
        path: Option<Json>,
        schema_path: Option<Json>,
    ) -> Errors {
        let map = match schema {
            Json::Object(map) => map,
            Json::Bool(false) => {
                let mut error = Error::new(format!(
                    "False schema does not allow {}",
                    super::py_repr(instance)
                ));
                error.validator = Some(None);
                error.instance = Some(instance.clone());
                return Ok(vec![error]);
            }
            _ => return Ok(Vec::new()),
        };
        let scope = scope.within(schema);
        let mut out = Vec::new();
        for (keyword, value) in map {
            let errors = (self.keywords)(self, &scope, keyword, value, instance, map).map_err(
                |mut invalid| {
                    if keyword != "$ref" {
                        invalid.schema_path.push_front(Json::from(keyword.as_str()));
                    }
                    if let Some(step) = &schema_path {
                        invalid.schema_path.push_front(step.clone());
                    }
                    invalid
                },
            )?;
            for mut error in errors {
                error.validator.get_or_insert_with(|| Some(keyword.clone()));
                error.instance.get_or_insert_with(|| instance.clone());
                if keyword != "if" && keyword != "$ref" {
                    error.schema_path.push_front(Json::from(keyword.as_str()));
                }
                if let Some(step) = &path {
                    error.path.push_front(step.clone());
                }
                if let Some(step) = &schema_path {
                    error.schema_path.push_front(step.clone());
                }
                out.push(error);
            }
        }
        Ok(out)
    }

    /// Whether `instance` is valid under `schema`.
    pub fn is_valid(
        &self,
        scope: &Scope,
        instance: &Json,
        schema: &'s Json,
    ) -> Result<bool, Invalid> {
        Ok(self
            .descend(scope, instance, schema, None, None)?
            .is_empty())
    }

    /// Python's `re.search(pattern, text)`, with each pattern compiled once per validation.
    pub fn search(&self, pattern: &str, text: &str) -> Result<bool, Invalid> {
        let mut regexes = self.regexes.borrow_mut();
        let compiled = regexes
            .entry(pattern.to_string())
            .or_insert_with(|| fancy_regex::Regex::new(pattern).map_err(|e| e.to_string()));
        match compiled {
            Ok(regex) => Ok(regex.is_match(text).unwrap_or(false)),
            Err(reason) => Err(Invalid {
                message: format!(
                    "Invalid schema: {} is not a valid regular expression ({reason})",
                    super::py_str_repr(pattern)
                ),
                schema_path: VecDeque::new(),
            }),
        }
    }

    /// Whether `name` matches one of `patterns` (the keys of a `patternProperties`).
    pub fn matches_any<'p>(
        &self,
        patterns: impl IntoIterator<Item = &'p String>,
        name: &str,
    ) -> Result<bool, Invalid> {
        for pattern in patterns {
            if self.search(pattern, name)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The object a keyword sits in, for keywords that read their siblings.
pub type Siblings = Map<String, Json>;
