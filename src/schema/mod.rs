//! Parameter schemas of a compiled workflow and the operations on documents they describe.
//!
//! A workflow's run-time input is whatever its task instances still need after the spec has
//! bound some arguments. We describe it twice (docs/compatibility.md, “Parameter schemas”):
//! - params.json ([`params_schema`]): flat, keyed by instance id; the DAG validates its input
//!   against it;
//! - rjsf.json ([`rjsf_schema`]): the same schemas laid out as the author grouped them, plus
//!   form hints and author overrides, for rendering a form.
//!
//! and provide what the generated package, runner and CLI need to work with them: Draft 2020-12
//! validation with `wt_contracts`-shaped errors ([`validate`]), conversion between form data
//! and params ([`formdata_to_params`], [`params_to_formdata`]) and data connection discovery
//! ([`data_connection_property_names`]).
//!
//! We stay output-compatible with the published Python implementation except where it is
//! buggy (docs/compatibility.md, “Where wt departs on purpose”): params.json has a typed, closed
//! root with `required`;
//! groups are closed objects; definitions reachable only through nested keywords are kept;
//! same-named but different definitions from different tasks are renamed instead of
//! clobbered; group membership in conversions comes only from the group marker.

mod connections;
mod example;
mod formdata;
mod literals;
mod overrides;
mod params;
mod pyrepr;
mod refs;
mod rjsf;
mod ui;
mod unbound_params;
mod validate;

pub use connections::data_connection_property_names;
pub use example::example;
pub use formdata::{formdata_to_params, params_to_formdata};
pub use literals::{check_literals, checked_workflow};
pub use overrides::apply_overrides;
pub use params::params_schema;
pub use pyrepr::py_repr;
pub use refs::follow as follow_ref;
pub use rjsf::rjsf_schema;
pub use unbound_params::{Unbound, UnboundInstance, unbound};
pub use validate::{check_schema, validate};

#[cfg(test)]
pub(crate) mod testkit {
    //! Hand-built workflows for unit tests, with registry schemas shaped like pydantic's.

    use crate::spec::model::{
        Literal, MapOp, Spec, TaskGroup, TaskInstance, Value, Variable, WorkflowEntry,
    };
    use crate::spec::model::{RjsfOverrides, Spanned};
    use crate::spec::resolved::{Instance, KnownTask, Workflow};
    use crate::yaml::Span;
    use serde_json::{Value as Json, json};

    fn sp<T>(v: T) -> Spanned<T> {
        Spanned::new(v, Span::default())
    }

    pub fn known_task(name: &str, schema: Json) -> KnownTask {
        KnownTask {
            function_name: name.into(),
            public_module_path: "pkg.tasks".into(),
            importable_reference: format!("pkg.tasks.{name}"),
            alias: name.into(),
            io: false,
            signature: crate::contracts::TaskSignature::from_registry_schema(&schema),
            json_schema: schema,
            title: None,
            description: None,
        }
    }

    /// `def add(a: int, b: int) -> int`, as `wt-registry` prints it.
    pub fn add_task() -> KnownTask {
        let mut t = known_task(
            "add",
            json!({
                "additionalProperties": false,
                "properties": {"a": {"title": "A", "type": "integer"}, "b": {"title": "B", "type": "integer"}},
                "required": ["a", "b"],
                "type": "object"
            }),
        );
        t.description = Some("Add two integers.".into());
        t
    }

    /// Only defaulted parameters, and a description already in the schema.
    pub fn greet_task() -> KnownTask {
        let mut t = known_task(
            "greet",
            json!({
                "additionalProperties": false,
                "description": "From the schema.",
                "properties": {
                    "greeting": {"default": "hello", "title": "Greeting", "type": "string"},
                    "times": {"default": 1, "minimum": 1, "title": "Times", "type": "integer"}
                },
                "type": "object"
            }),
        );
        t.description = Some("From the registry.".into());
        t
    }

    /// pydantic model parameters: `$defs` + `$ref`, a connection, a nested enum.
    pub fn events_task() -> KnownTask {
        let mut t = known_task(
            "get_events",
            json!({
                "$defs": {
                    "EarthRangerConnection": {
                        "properties": {"name": {"title": "Name", "type": "string"}},
                        "required": ["name"],
                        "title": "EarthRangerConnection",
                        "type": "object"
                    },
                    "Extra": {"properties": {"k": {"title": "K", "type": "string"}}, "title": "Extra", "type": "object"},
                    "TimeRange": {
                        "properties": {
                            "since": {"format": "date-time", "title": "Since", "type": "string"},
                            "unit": {"anyOf": [{"$ref": "#/$defs/Unit"}, {"type": "null"}], "default": null}
                        },
                        "required": ["since"],
                        "title": "TimeRange",
                        "type": "object"
                    },
                    "Unit": {"enum": ["s", "ms"], "title": "Unit", "type": "string"}
                },
                "additionalProperties": false,
                "properties": {
                    "client": {"$ref": "#/$defs/EarthRangerConnection"},
                    "time_range": {"$ref": "#/$defs/TimeRange"},
                    "extra": {"$ref": "#/$defs/Extra"},
                    "page_size": {"default": 100, "title": "Page Size", "type": "integer"}
                },
                "required": ["client", "time_range", "extra"],
                "type": "object"
            }),
        );
        t.description = Some("Fetch events from EarthRanger.".into());
        t
    }

    pub struct InstBuilder {
        def: TaskInstance,
        task: KnownTask,
    }

    pub fn inst(id: &str, name: &str, task: KnownTask) -> InstBuilder {
        InstBuilder {
            def: TaskInstance {
                id: sp(id.into()),
                name: name.into(),
                task: sp(task.function_name.clone()),
                partial: vec![],
                map: None,
                mapvalues: None,
                skipif: None,
                lints: Default::default(),
                span: Span::default(),
            },
            task,
        }
    }

    fn value(v: Json) -> Value {
        match v {
            Json::Null => Value::Literal(Literal::Null),
            Json::Bool(b) => Value::Literal(Literal::Bool(b)),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Literal(Literal::Int(i)),
                None => Value::Literal(Literal::Float(n.as_f64().unwrap_or_default())),
            },
            Json::String(s) => Value::Literal(Literal::Str(s)),
            Json::Array(items) => Value::List(items.into_iter().map(|v| sp(value(v))).collect()),
            Json::Object(map) => {
                Value::Dict(map.into_iter().map(|(k, v)| (k, sp(value(v)))).collect())
            }
        }
    }

    fn op(argnames: &[&str], source: &str) -> MapOp {
        MapOp {
            argnames: argnames.iter().map(|n| sp(n.to_string())).collect(),
            argvalues: vec![sp(Variable::TaskReturn(source.into()))],
            argvalues_is_list: false,
            span: Span::default(),
        }
    }

    impl InstBuilder {
        pub fn partial(mut self, name: &str, v: impl Into<Json>) -> Self {
            self.def
                .partial
                .push((sp(name.into()), sp(value(v.into()))));
            self
        }

        pub fn map(mut self, argnames: &[&str], source: &str) -> Self {
            self.def.map = Some(op(argnames, source));
            self
        }

        pub fn mapvalues(mut self, argnames: &[&str], source: &str) -> Self {
            self.def.mapvalues = Some(op(argnames, source));
            self
        }
    }

    pub enum Entry {
        Task(Box<InstBuilder>),
        Group(String, String, Vec<InstBuilder>),
    }

    pub fn task(b: InstBuilder) -> Entry {
        Entry::Task(Box::new(b))
    }

    pub fn group(title: &str, description: &str, members: Vec<InstBuilder>) -> Entry {
        Entry::Group(title.into(), description.into(), members)
    }

    pub fn workflow(entries: Vec<Entry>) -> Workflow {
        let mut spec_entries = Vec::new();
        let mut instances = Vec::new();
        let mut add = |b: InstBuilder, group: Option<usize>| {
            let dependencies = b.def.dependencies().into_iter().map(|d| d.value).collect();
            instances.push(Instance {
                def: b.def.clone(),
                group,
                task: b.task,
                skipif: None,
                dependencies,
            });
            b.def
        };
        for (i, entry) in entries.into_iter().enumerate() {
            match entry {
                Entry::Task(b) => spec_entries.push(WorkflowEntry::Task(add(*b, None))),
                Entry::Group(title, description, members) => {
                    let tasks = members.into_iter().map(|b| add(b, Some(i))).collect();
                    spec_entries.push(WorkflowEntry::Group(TaskGroup {
                        title: sp(title),
                        description,
                        tasks,
                        span: Span::default(),
                    }));
                }
            }
        }
        Workflow {
            spec: Spec {
                id: sp("test_workflow".into()),
                requirements: vec![],
                requirements_span: Default::default(),
                metadata: None,
                rjsf_overrides: RjsfOverrides::default(),
                default_skipif: None,
                workflow: spec_entries,
            },
            instances,
            findings: Vec::new(),
        }
    }
}
