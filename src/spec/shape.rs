//! The shape of `spec.yaml`: every mapping the parser reads, its keys, what each holds and
//! what it means. The parser takes the keys it allows from here (`fields::Fields`), and `wt
//! schema spec` writes the JSON Schema editors use from here (`spec_schema`), so the two
//! cannot drift apart.

use super::lints::{Level, Lint};
use serde_json::{Map, Value as Json, json};

/// One mapping of the spec.
pub struct Section {
    /// How messages name it ("task instance").
    pub what: &'static str,
    /// Its name among the schema's `$defs`.
    pub def: &'static str,
    pub description: &'static str,
    pub keys: &'static [Key],
    /// Unknown keys are errors (every section but `metadata`, which is free-form beyond its
    /// required keys).
    pub closed: bool,
}

/// One key of a section.
pub struct Key {
    pub name: &'static str,
    pub required: bool,
    pub value: Shape,
    pub description: &'static str,
}

/// What a key holds.
pub enum Shape {
    Str,
    /// A Python identifier.
    Identifier,
    /// Identifiers joined by dots (a task's name, or its module path and name).
    DottedName,
    Bool,
    /// An integer of at least this.
    IntAtLeast(i64),
    /// A string or a number (versions: `version: 1.2`).
    StrOrNumber,
    /// Exactly this string.
    Const(&'static str),
    /// A `${{ ... }}` expression.
    Variable,
    /// Argument names to values: literals of any kind, or variables.
    Arguments,
    /// Any mapping of strings to values.
    AnyMapping,
    /// One of the spec's sections.
    Section(&'static Section),
    /// Any one of these.
    OneOf(&'static [Shape]),
    /// A list of these.
    ListOf(&'static Shape),
    /// This, or null / left empty (the key is then as good as absent).
    Nullable(&'static Shape),
}

impl Section {
    /// The keys the parser allows here.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.keys.iter().map(|k| k.name)
    }

    pub fn allows(&self, key: &str) -> bool {
        self.names().any(|n| n == key)
    }
}

const fn key(name: &'static str, value: Shape, description: &'static str) -> Key {
    Key {
        name,
        required: false,
        value,
        description,
    }
}

const fn required(name: &'static str, value: Shape, description: &'static str) -> Key {
    Key {
        name,
        required: true,
        value,
        description,
    }
}

pub static SPEC: Section = Section {
    what: "spec",
    def: "spec",
    description: "A workflow: the task libraries it needs and the task instances it runs.",
    closed: true,
    keys: &[
        required(
            "id",
            Shape::Identifier,
            "The workflow's id: a Python identifier, also the generated package's name.",
        ),
        required(
            "requirements",
            Shape::ListOf(&Shape::OneOf(&[
                Shape::Section(&PYPI_REQUIREMENT),
                Shape::Section(&CONDA_REQUIREMENT),
            ])),
            "Task libraries and other packages the workflow needs: PyPI (`git`, `path` or `url`) or conda (`name` and `version`, or `requirement`).",
        ),
        key(
            "metadata",
            Shape::Section(&METADATA),
            "What the workflow is, for its README and package.",
        ),
        key(
            "rjsf-overrides",
            Shape::Section(&RJSF_OVERRIDES),
            "Changes to the generated form schema (rjsf.json), by dotted path.",
        ),
        key(
            "task-instance-defaults",
            Shape::Section(&TASK_INSTANCE_DEFAULTS),
            "What every task instance gets unless it says otherwise.",
        ),
        required(
            "workflow",
            Shape::ListOf(&Shape::OneOf(&[
                Shape::Section(&TASK_GROUP),
                Shape::Section(&TASK_INSTANCE),
            ])),
            "The task instances, in order, alone or in task groups.",
        ),
    ],
};

pub static METADATA: Section = Section {
    what: "metadata",
    def: "metadata",
    description: "What the workflow is; keys beyond these are kept as written.",
    closed: false,
    keys: &[
        required("name", Shape::Str, "A human-readable name."),
        required("description", Shape::Str, "What the workflow does."),
        required("license", Shape::Str, "An SPDX license expression."),
        required(
            "maintainers",
            Shape::ListOf(&Shape::Section(&MAINTAINER)),
            "Who maintains it (at least one).",
        ),
    ],
};

pub static MAINTAINER: Section = Section {
    what: "maintainer",
    def: "maintainer",
    description: "A maintainer of the workflow.",
    closed: false,
    keys: &[
        required("name", Shape::Str, "Their name."),
        required("email", Shape::Str, "Their email address."),
    ],
};

pub static RJSF_OVERRIDES: Section = Section {
    what: "rjsf-overrides",
    def: "rjsf-overrides",
    description: "Changes to the generated form schema, each a dotted path and its new value.",
    closed: true,
    keys: &[
        key(
            "properties",
            Shape::AnyMapping,
            "Under the schema's `properties`.",
        ),
        key("$defs", Shape::AnyMapping, "Under the schema's `$defs`."),
        key(
            "uiSchema",
            Shape::AnyMapping,
            "Under the form's `uiSchema`.",
        ),
    ],
};

pub static TASK_INSTANCE_DEFAULTS: Section = Section {
    what: "task-instance-defaults",
    def: "task-instance-defaults",
    description: "Defaults of every task instance.",
    closed: true,
    keys: &[key(
        "skipif",
        Shape::Nullable(&Shape::Section(&SKIPIF)),
        "Skip conditions of every task instance that has none of its own.",
    )],
};

pub static TASK_GROUP: Section = Section {
    what: "task group",
    def: "task-group",
    description: "Task instances shown together, under a title, in the form and the README.",
    closed: true,
    keys: &[
        required(
            "type",
            Shape::Const("task-group"),
            "Marks the entry as a task group.",
        ),
        required("title", Shape::Str, "The group's title."),
        required("description", Shape::Str, "What the group does."),
        required(
            "tasks",
            Shape::ListOf(&Shape::Section(&TASK_INSTANCE)),
            "The group's task instances, in order.",
        ),
    ],
};

pub static TASK_INSTANCE: Section = Section {
    what: "task instance",
    def: "task-instance",
    description: "One call of a registered task (or one per element, with `map`/`mapvalues`).",
    closed: true,
    keys: &[
        required(
            "id",
            Shape::Identifier,
            "The instance's id, unique in the workflow: a Python identifier.",
        ),
        key(
            "name",
            Shape::Nullable(&Shape::Str),
            "A human-readable name (the form's section title).",
        ),
        required(
            "task",
            Shape::DottedName,
            "The registered task it calls, by name or module path (`wt tasks SPEC` lists them).",
        ),
        key(
            "partial",
            Shape::Nullable(&Shape::Arguments),
            "Arguments bound here: literals, `${{ workflow.<id>.return }}` or `${{ env.<NAME> }}`; the others are the workflow's parameters.",
        ),
        key(
            "map",
            Shape::Nullable(&Shape::Section(&MAP)),
            "Call the task once per element of a list.",
        ),
        key(
            "mapvalues",
            Shape::Nullable(&Shape::Section(&MAPVALUES)),
            "Call the task once per value of a list of (key, value) pairs, keeping the keys.",
        ),
        key(
            "skipif",
            Shape::Nullable(&Shape::Section(&SKIPIF)),
            "Conditions (registered functions) under which the instance is skipped.",
        ),
        key(
            "lints",
            Shape::Nullable(&Shape::Section(&LINTS)),
            "Lint levels for this instance alone, over wt.toml's `[lints]` (a wt extension: the published compiler does not know this key).",
        ),
    ],
};

const LEVEL: Shape = Shape::OneOf(&[
    Shape::Const(Level::Allow.name()),
    Shape::Const(Level::Warn.name()),
    Shape::Const(Level::Deny.name()),
]);

/// One key per lint of `crate::spec::lints::Lint` (a test checks that none is left out).
pub static LINTS: Section = Section {
    what: "lints",
    def: "lints",
    description: "Lint levels: `allow` (silent), `warn` (printed, the build goes on) or `deny` (an error).",
    closed: true,
    keys: &[
        key(Lint::SkipFlow.name(), LEVEL, Lint::SkipFlow.description()),
        key(
            Lint::FrameColumns.name(),
            LEVEL,
            Lint::FrameColumns.description(),
        ),
    ],
};

const ARGNAMES: Shape = Shape::OneOf(&[Shape::Identifier, Shape::ListOf(&Shape::Identifier)]);
const ARGVALUES: Shape = Shape::OneOf(&[Shape::Variable, Shape::ListOf(&Shape::Variable)]);

const FAN_OUT_KEYS: &[Key] = &[
    required(
        "argnames",
        ARGNAMES,
        "The parameter(s) each element is passed to.",
    ),
    required(
        "argvalues",
        ARGVALUES,
        "`${{ workflow.<id>.return }}` of the task whose result is fanned out over.",
    ),
];

pub static MAP: Section = Section {
    what: "map",
    def: "map",
    description: "A fan-out over the elements of a list.",
    closed: true,
    keys: FAN_OUT_KEYS,
};

pub static MAPVALUES: Section = Section {
    what: "mapvalues",
    def: "mapvalues",
    description: "A fan-out over the values of (key, value) pairs, keeping the keys.",
    closed: true,
    keys: FAN_OUT_KEYS,
};

pub static SKIPIF: Section = Section {
    what: "skipif",
    def: "skipif",
    description: "Skip conditions: registered functions of the instance's arguments.",
    closed: true,
    keys: &[
        required(
            "conditions",
            Shape::ListOf(&Shape::Identifier),
            "The condition functions (e.g. `any_is_empty`); `[]` turns a default off.",
        ),
        key(
            "unpack_depth",
            Shape::IntAtLeast(0),
            "How deep nested lists of arguments are flattened before the conditions see them.",
        ),
    ],
};

pub static CONDA_REQUIREMENT: Section = Section {
    what: "conda requirement",
    def: "conda-requirement",
    description: "A conda package: `name` and `version` (and `channel`), or one `requirement` line.",
    closed: true,
    keys: &[
        key("name", Shape::Str, "The package's name."),
        key(
            "version",
            Shape::StrOrNumber,
            "A version spec (`\"*\"` for any).",
        ),
        key(
            "channel",
            Shape::Str,
            "A channel name, a URL, or a name from wt.toml's `[conda.channels]` (default conda-forge).",
        ),
        key(
            "requirement",
            Shape::Str,
            "One line: `[channel::]name [version]`.",
        ),
    ],
};

pub static PYPI_REQUIREMENT: Section = Section {
    what: "PyPI requirement",
    def: "pypi-requirement",
    description: "A PyPI package from a git repository, a folder (`path`) or an archive (`url`).",
    closed: true,
    keys: &[
        required("name", Shape::Str, "The distribution's name."),
        key("git", Shape::Str, "A git repository URL."),
        key("rev", Shape::Str, "A git commit."),
        key("branch", Shape::Str, "A git branch."),
        key("tag", Shape::Str, "A git tag."),
        key(
            "path",
            Shape::Str,
            "A folder, relative to the spec, holding the package's pyproject.toml.",
        ),
        key(
            "editable",
            Shape::Bool,
            "Install a `path:` package editable (the default): a source edit needs no new environment.",
        ),
        key("url", Shape::Str, "An archive (wheel or sdist) URL."),
        key(
            "subdirectory",
            Shape::Str,
            "The package's folder inside the repository or archive.",
        ),
        key(
            "extras",
            Shape::ListOf(&Shape::Str),
            "Extras to install with it.",
        ),
        key(
            "version",
            Shape::StrOrNumber,
            "A version spec the package must meet.",
        ),
    ],
};

/// Every section, for the schema's `$defs`.
pub const SECTIONS: &[&Section] = &[
    &SPEC,
    &METADATA,
    &MAINTAINER,
    &RJSF_OVERRIDES,
    &TASK_INSTANCE_DEFAULTS,
    &TASK_GROUP,
    &TASK_INSTANCE,
    &MAP,
    &MAPVALUES,
    &SKIPIF,
    &LINTS,
    &CONDA_REQUIREMENT,
    &PYPI_REQUIREMENT,
];

/// A `${{ workflow.<id>.return }}` or `${{ env.<NAME> }}` expression, as `variables.rs` reads
/// them.
pub const VARIABLE_PATTERN: &str =
    r"^\$\{\{\s*(workflow\.[A-Za-z_][A-Za-z0-9_]*\.return|env\.[A-Za-z_][A-Za-z0-9_]*)\s*\}\}$";
const IDENTIFIER_PATTERN: &str = r"^[A-Za-z_][A-Za-z0-9_]*$";
const DOTTED_NAME_PATTERN: &str = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$";

/// The JSON Schema (2020-12) of `spec.yaml`.
pub fn spec_schema() -> Json {
    let defs: Map<String, Json> = SECTIONS
        .iter()
        .map(|s| (s.def.to_string(), section_schema(s)))
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "wt workflow spec (spec.yaml)",
        "description": SPEC.description,
        "$ref": format!("#/$defs/{}", SPEC.def),
        "$defs": defs,
    })
}

fn section_schema(section: &Section) -> Json {
    let properties: Map<String, Json> = section
        .keys
        .iter()
        .map(|k| {
            let mut schema = shape_schema(&k.value);
            schema["description"] = json!(k.description);
            (k.name.to_string(), schema)
        })
        .collect();
    let required: Vec<&str> = section
        .keys
        .iter()
        .filter(|k| k.required)
        .map(|k| k.name)
        .collect();
    let mut schema = json!({
        "type": "object",
        "description": section.description,
        "properties": properties,
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    if section.closed {
        schema["additionalProperties"] = json!(false);
    }
    schema
}

fn shape_schema(shape: &Shape) -> Json {
    match shape {
        Shape::Str => json!({"type": "string"}),
        Shape::Identifier => json!({"type": "string", "pattern": IDENTIFIER_PATTERN}),
        Shape::DottedName => json!({"type": "string", "pattern": DOTTED_NAME_PATTERN}),
        Shape::Bool => json!({"type": "boolean"}),
        Shape::IntAtLeast(min) => json!({"type": "integer", "minimum": min}),
        Shape::StrOrNumber => json!({"type": ["string", "number"]}),
        Shape::Const(value) => json!({"const": value}),
        Shape::Variable => json!({"type": "string", "pattern": VARIABLE_PATTERN}),
        Shape::Arguments => json!({
            "type": "object",
            "propertyNames": {"pattern": IDENTIFIER_PATTERN},
        }),
        Shape::AnyMapping => json!({"type": "object"}),
        Shape::Section(s) => json!({"$ref": format!("#/$defs/{}", s.def)}),
        Shape::OneOf(shapes) => {
            json!({"anyOf": shapes.iter().map(shape_schema).collect::<Vec<_>>()})
        }
        Shape::ListOf(item) => json!({"type": "array", "items": shape_schema(item)}),
        Shape::Nullable(inner) => json!({"anyOf": [shape_schema(inner), {"type": "null"}]}),
    }
}
