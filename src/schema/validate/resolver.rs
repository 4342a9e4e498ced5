//! `$ref` and `$dynamicRef` resolution, as the `referencing` library resolves them for Python's
//! `jsonschema`: schema resources by `$id` (joined onto the enclosing base URI), anchors by
//! `$anchor` and `$dynamicAnchor`, JSON pointers within a resource, and the dynamic scope a
//! `$dynamicRef` searches. The Draft 2020-12 meta-schema and its vocabularies are always
//! registered, so a schema can be checked against them and may refer to them.

use serde_json::Value as Json;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

/// The URI of the Draft 2020-12 meta-schema.
pub const META_SCHEMA: &str = "https://json-schema.org/draft/2020-12/schema";

/// The meta-schema and its seven vocabularies, as published at json-schema.org.
fn meta_schemas() -> &'static [Json] {
    static DOCS: OnceLock<Vec<Json>> = OnceLock::new();
    DOCS.get_or_init(|| {
        [
            include_str!("draft2020-12/schema.json"),
            include_str!("draft2020-12/meta-core.json"),
            include_str!("draft2020-12/meta-applicator.json"),
            include_str!("draft2020-12/meta-unevaluated.json"),
            include_str!("draft2020-12/meta-validation.json"),
            include_str!("draft2020-12/meta-meta-data.json"),
            include_str!("draft2020-12/meta-format-annotation.json"),
            include_str!("draft2020-12/meta-content.json"),
        ]
        .iter()
        .map(|text| serde_json::from_str(text).expect("the bundled meta-schemas are JSON"))
        .collect()
    })
}

/// Keywords whose value is a schema.
const SCHEMA_VALUED: &[&str] = &[
    "additionalProperties",
    "contains",
    "else",
    "if",
    "items",
    "not",
    "propertyNames",
    "then",
    "unevaluatedItems",
    "unevaluatedProperties",
];
/// Keywords whose value maps names to schemas.
const SCHEMA_MAPS: &[&str] = &[
    "$defs",
    "definitions",
    "dependentSchemas",
    "patternProperties",
    "properties",
];
/// Keywords whose value is a list of schemas.
const SCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

struct Resource<'s> {
    contents: &'s Json,
    /// Anchor name → (subschema, whether it is a `$dynamicAnchor`).
    anchors: HashMap<String, (&'s Json, bool)>,
}

/// Every schema resource reachable from the root schema, by URI; the meta-schemas' resources
/// are registered once per process ([`meta_registry`]) and found after them.
pub struct Registry<'s> {
    resources: HashMap<String, Resource<'s>>,
}

/// The meta-schema and its vocabularies, registered once.
fn meta_registry() -> &'static Registry<'static> {
    static META: OnceLock<Registry<'static>> = OnceLock::new();
    META.get_or_init(|| {
        let mut registry = Registry {
            resources: HashMap::new(),
        };
        for doc in meta_schemas() {
            registry.add("", doc);
        }
        registry
    })
}

/// A schema to validate with, and the resolver state it is reached in.
pub struct Resolved<'s> {
    pub schema: &'s Json,
    pub scope: Scope,
}

/// The base URI relative references resolve against, and the bases entered before it (most
/// recent first): the dynamic scope a `$dynamicRef` searches.
#[derive(Clone, Default)]
pub struct Scope {
    base: Rc<str>,
    previous: Option<Rc<Frame>>,
}

struct Frame {
    base: Rc<str>,
    next: Option<Rc<Frame>>,
}

impl Scope {
    /// The scope after moving to `base`, remembering the current base when it differs.
    fn enter(&self, base: &str) -> Scope {
        if *self.base == *base {
            return self.clone();
        }
        let previous = if self.base.is_empty() {
            self.previous.clone()
        } else {
            Some(Rc::new(Frame {
                base: self.base.clone(),
                next: self.previous.clone(),
            }))
        };
        Scope {
            base: base.into(),
            previous,
        }
    }

    /// The scope inside `schema`: a subschema with an `$id` is a resource of its own.
    pub fn within(&self, schema: &Json) -> Scope {
        match schema.get("$id").and_then(Json::as_str) {
            Some(id) => self.enter(strip_fragment(&join(&self.base, id))),
            None => self.clone(),
        }
    }

    fn dynamic(&self) -> impl Iterator<Item = &str> {
        let mut frame = self.previous.as_deref();
        std::iter::from_fn(move || {
            let current = frame?;
            frame = current.next.as_deref();
            Some(&*current.base)
        })
    }
}

impl<'s> Registry<'s> {
    /// Registers `root` (at its `$id`, or at the empty URI); returns the registry and the
    /// root's scope.
    pub fn new(root: &'s Json) -> (Self, Scope) {
        let mut registry = Registry {
            resources: HashMap::new(),
        };
        let base = registry.add("", root);
        (
            registry,
            Scope {
                base: base.into(),
                previous: None,
            },
        )
    }

    /// The meta-schema, ready to validate a schema with.
    pub fn meta_schema(&self) -> Resolved<'s> {
        let (schema, _) = self
            .lookup(META_SCHEMA, &Scope::default())
            .expect("registered");
        schema
    }

    /// Registers `schema` as a resource (at `base` joined with its `$id`) and, walking its
    /// subschemas, every nested resource and anchor. Returns the resource's URI.
    fn add(&mut self, base: &str, schema: &'s Json) -> String {
        let uri = match schema.get("$id").and_then(Json::as_str) {
            Some(id) => join(base, id),
            None => base.to_string(),
        };
        let uri = strip_fragment(&uri).to_string();
        self.resources.entry(uri.clone()).or_insert(Resource {
            contents: schema,
            anchors: HashMap::new(),
        });
        self.walk(&uri, schema);
        uri
    }

    fn walk(&mut self, uri: &str, schema: &'s Json) {
        let Json::Object(map) = schema else { return };
        for (key, dynamic) in [("$anchor", false), ("$dynamicAnchor", true)] {
            if let Some(name) = map.get(key).and_then(Json::as_str)
                && let Some(resource) = self.resources.get_mut(uri)
            {
                resource.anchors.insert(name.to_string(), (schema, dynamic));
            }
        }
        let children = map.iter().flat_map(|(key, value)| {
            let key = key.as_str();
            let many: Box<dyn Iterator<Item = &'s Json>> = if SCHEMA_VALUED.contains(&key) {
                Box::new(std::iter::once(value))
            } else if SCHEMA_MAPS.contains(&key) {
                Box::new(value.as_object().into_iter().flat_map(|m| m.values()))
            } else if SCHEMA_LISTS.contains(&key) {
                Box::new(value.as_array().into_iter().flatten())
            } else {
                Box::new(std::iter::empty())
            };
            many
        });
        for child in children.collect::<Vec<_>>() {
            if child.get("$id").and_then(Json::as_str).is_some() {
                self.add(uri, child);
            } else {
                self.walk(uri, child);
            }
        }
    }

    fn resource(&self, uri: &str) -> Option<&Resource<'s>> {
        self.resources
            .get(uri)
            .or_else(|| meta_registry().resources.get(uri))
    }

    /// Resolves `reference` from `scope`; `Err` names what could not be resolved. The second
    /// value is whether the target is a `$dynamicAnchor` (so a `$dynamicRef` to it searches
    /// the dynamic scope).
    pub fn lookup(&self, reference: &str, scope: &Scope) -> Result<(Resolved<'s>, bool), String> {
        let uri = join(&scope.base, reference);
        let (document, fragment) = match uri.split_once('#') {
            Some((document, fragment)) => (document, fragment),
            None => (uri.as_str(), ""),
        };
        let unresolvable = || format!("Unresolvable JSON pointer or reference: {reference:?}");
        let resource = self.resource(document).ok_or_else(unresolvable)?;
        let scope = scope.enter(document);
        if fragment.is_empty() || fragment.starts_with('/') {
            let pointer = percent_decode(fragment);
            let schema = resource
                .contents
                .pointer(&pointer)
                .ok_or_else(unresolvable)?;
            return Ok((Resolved { schema, scope }, false));
        }
        let (schema, dynamic) = *resource.anchors.get(fragment).ok_or_else(unresolvable)?;
        Ok((Resolved { schema, scope }, dynamic))
    }

    /// Resolves a `$dynamicRef`: statically first; when that lands on a `$dynamicAnchor`, the
    /// outermost resource of the dynamic scope with the same dynamic anchor wins.
    pub fn lookup_dynamic(&self, reference: &str, scope: &Scope) -> Result<Resolved<'s>, String> {
        let (found, dynamic) = self.lookup(reference, scope)?;
        let name = reference.rsplit_once('#').map_or("", |(_, name)| name);
        if !dynamic {
            return Ok(found);
        }
        let mut winner = found;
        for base in scope.dynamic() {
            if let Some(resource) = self.resource(base)
                && let Some((schema, true)) = resource.anchors.get(name)
            {
                winner = Resolved {
                    schema,
                    scope: winner.scope.enter(base),
                };
            }
        }
        Ok(winner)
    }
}

/// `reference` resolved against `base` (RFC 3986), as `urllib.parse.urljoin` does for the
/// URIs schemas use. A fragment-only reference keeps the base's document.
fn join(base: &str, reference: &str) -> String {
    if let Some(fragment) = reference.strip_prefix('#') {
        return format!("{}#{fragment}", strip_fragment(base));
    }
    if let Ok(absolute) = url::Url::parse(reference) {
        return absolute.to_string();
    }
    match url::Url::parse(base).and_then(|b| b.join(reference)) {
        Ok(joined) => joined.to_string(),
        Err(_) => reference.to_string(),
    }
}

fn strip_fragment(uri: &str) -> &str {
    uri.split_once('#').map_or(uri, |(document, _)| document)
}

fn percent_decode(fragment: &str) -> String {
    percent_encoding::percent_decode_str(fragment)
        .decode_utf8_lossy()
        .into_owned()
}
