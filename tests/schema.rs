//! Integration tests for `wt::schema`: params.json / rjsf.json generation, validation errors,
//! formdata <-> params conversion and data connection discovery, on hand-built workflows whose
//! task schemas are shaped like `wt-registry` (pydantic) output.

use crate::support::python_jsonschema;
use serde_json::{Value as Json, json};
use wt::contracts::ValidationErrorItem;
use wt::schema::{
    check_schema, data_connection_property_names, formdata_to_params, params_schema,
    params_to_formdata, rjsf_schema, validate,
};
use wt::spec::model::{
    Literal, MapOp, RjsfOverrides, Spanned, Spec, TaskGroup, TaskInstance, Value, Variable,
    WorkflowEntry,
};
use wt::spec::resolved::{Instance, KnownTask, Workflow};
use wt::yaml::Span;

// ---------------------------------------------------------------------------------------------
// Building workflows by hand
// ---------------------------------------------------------------------------------------------

fn sp<T>(v: T) -> Spanned<T> {
    Spanned::new(v, Span::default())
}

fn known(name: &str, description: Option<&str>, schema: Json) -> KnownTask {
    KnownTask {
        function_name: name.into(),
        public_module_path: "ecoscope_workflows_ext.tasks".into(),
        importable_reference: format!("ecoscope_workflows_ext.tasks.{name}"),
        alias: name.into(),
        io: false,
        signature: wt::contracts::TaskSignature::from_registry_schema(&schema),
        json_schema: schema,
        title: None,
        description: description.map(String::from),
    }
}

/// `def set_workflow_details(name: str, description: str, image_url: str = "") -> WorkflowDetails`
fn workflow_details_task() -> KnownTask {
    known(
        "set_workflow_details",
        Some("Set the workflow's name and description."),
        json!({
            "additionalProperties": false,
            "properties": {
                "name": {"description": "The name of your workflow", "title": "Workflow Name", "type": "string"},
                "description": {"description": "A description", "title": "Workflow Description", "type": "string"},
                "image_url": {"default": "", "title": "Image Url", "type": "string"}
            },
            "required": ["name", "description"],
            "type": "object"
        }),
    )
}

/// `def get_events(client: EarthRangerConnection, time_range: TimeRange, extra: Extra, page_size: int = 100)`
fn get_events_task() -> KnownTask {
    known(
        "get_events",
        Some("Fetch events from EarthRanger."),
        json!({
            "$defs": {
                "EarthRangerConnection": {
                    "properties": {"name": {"title": "Data Source", "type": "string"}},
                    "required": ["name"],
                    "title": "EarthRangerConnection",
                    "type": "object"
                },
                "Extra": {"properties": {"k": {"title": "K", "type": "string"}}, "title": "Extra", "type": "object"},
                "TimeRange": {
                    "properties": {
                        "since": {"format": "date-time", "title": "Since", "type": "string"},
                        "until": {"format": "date-time", "title": "Until", "type": "string"},
                        "unit": {"anyOf": [{"$ref": "#/$defs/Unit"}, {"type": "null"}], "default": null}
                    },
                    "required": ["since", "until"],
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
                "page_size": {"default": 100, "exclusiveMinimum": 0, "title": "Page Size", "type": "integer"}
            },
            "required": ["client", "time_range", "extra"],
            "type": "object"
        }),
    )
}

/// `def filter_events(df: DataFrame, min_speed: float = 0.0) -> DataFrame`
fn filter_task() -> KnownTask {
    known(
        "filter_events",
        None,
        json!({
            "additionalProperties": false,
            "properties": {
                "df": {"title": "Df", "type": "object"},
                "min_speed": {"default": 0.0, "title": "Min Speed", "type": "number"}
            },
            "required": ["df"],
            "type": "object"
        }),
    )
}

/// `def draw_map(df: DataFrame, style: Style, opacity: float = 0.5) -> str` where `Style` is an
/// enum defined differently from another task's `Style` (a name clash across tasks).
fn draw_map_task() -> KnownTask {
    known(
        "draw_map",
        Some("Draw the events on a map."),
        json!({
            "$defs": {"Style": {"enum": ["light", "dark"], "title": "Style", "type": "string"}},
            "additionalProperties": false,
            "properties": {
                "df": {"title": "Df", "type": "object"},
                "style": {"$ref": "#/$defs/Style"},
                "opacity": {"default": 0.5, "maximum": 1, "minimum": 0, "title": "Opacity", "type": "number"}
            },
            "required": ["df", "style"],
            "type": "object"
        }),
    )
}

/// `def draw_chart(data: DataFrame, style: Style)`: its `Style` is not `draw_map`'s.
fn draw_chart_task() -> KnownTask {
    known(
        "draw_chart",
        None,
        json!({
            "$defs": {"Style": {"properties": {"color": {"title": "Color", "type": "string"}}, "title": "Style", "type": "object"}},
            "additionalProperties": false,
            "properties": {"data": {"title": "Data", "type": "object"}, "style": {"$ref": "#/$defs/Style"}},
            "required": ["data", "style"],
            "type": "object"
        }),
    )
}

/// `def add(a: int, b: int) -> int`
fn add_task() -> KnownTask {
    known(
        "add",
        Some("Add two integers."),
        json!({
            "additionalProperties": false,
            "properties": {"a": {"title": "A", "type": "integer"}, "b": {"title": "B", "type": "integer"}},
            "required": ["a", "b"],
            "type": "object"
        }),
    )
}

struct Inst {
    def: TaskInstance,
    task: KnownTask,
}

fn inst(id: &str, name: &str, task: KnownTask) -> Inst {
    Inst {
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

impl Inst {
    fn literal(mut self, arg: &str, v: i64) -> Self {
        self.def
            .partial
            .push((sp(arg.into()), sp(Value::Literal(Literal::Int(v)))));
        self
    }

    fn text(mut self, arg: &str, v: &str) -> Self {
        self.def
            .partial
            .push((sp(arg.into()), sp(Value::Literal(Literal::Str(v.into())))));
        self
    }

    fn reference(mut self, arg: &str, upstream: &str) -> Self {
        self.def.partial.push((
            sp(arg.into()),
            sp(Value::Var(Variable::TaskReturn(upstream.into()))),
        ));
        self
    }

    fn map(mut self, argnames: &[&str], upstream: &str) -> Self {
        self.def.map = Some(MapOp {
            argnames: argnames.iter().map(|n| sp(n.to_string())).collect(),
            argvalues: vec![sp(Variable::TaskReturn(upstream.into()))],
            argvalues_is_list: false,
            span: Span::default(),
        });
        self
    }
}

enum Entry {
    Task(Box<Inst>),
    Group(&'static str, &'static str, Vec<Inst>),
}

fn task(i: Inst) -> Entry {
    Entry::Task(Box::new(i))
}

fn workflow(entries: Vec<Entry>, rjsf_overrides: RjsfOverrides) -> Workflow {
    let mut spec_entries = Vec::new();
    let mut instances = Vec::new();
    let mut add = |i: Inst, group: Option<usize>| {
        let dependencies = i.def.dependencies().into_iter().map(|d| d.value).collect();
        instances.push(Instance {
            def: i.def.clone(),
            group,
            task: i.task,
            skipif: None,
            dependencies,
        });
        i.def
    };
    for (index, entry) in entries.into_iter().enumerate() {
        match entry {
            Entry::Task(i) => spec_entries.push(WorkflowEntry::Task(add(*i, None))),
            Entry::Group(title, description, members) => {
                let tasks = members.into_iter().map(|i| add(i, Some(index))).collect();
                spec_entries.push(WorkflowEntry::Group(TaskGroup {
                    title: sp(title.into()),
                    description: description.into(),
                    tasks,
                    span: Span::default(),
                }));
            }
        }
    }
    Workflow {
        spec: Spec {
            id: sp("events_map".into()),
            requirements: vec![],
            requirements_span: Default::default(),
            metadata: None,
            rjsf_overrides,
            default_skipif: None,
            workflow: spec_entries,
        },
        instances,
        findings: Vec::new(),
    }
}

/// A realistic grouped workflow:
/// - a direct `workflow_details` instance;
/// - group "Data": `get_events` (with `extra` bound, so `Extra` must not be hoisted, and `Unit`
///   reachable only from inside `TimeRange`) and `filter_events` (its `df` bound to upstream);
/// - group "Outputs": `draw_map` and `draw_chart`, whose `Style` definitions clash;
/// - group "Bookkeeping" whose only member is fully bound (omitted);
/// - a direct `total` mapped over upstream (`a` bound by `map`).
fn grouped_example() -> Workflow {
    let mut overrides = RjsfOverrides::default();
    overrides.properties.insert(
        "Data.properties.get_events.properties.page_size.title".into(),
        json!("Events per page"),
    );
    overrides
        .defs
        .insert("Unit.enumNames".into(), json!(["seconds", "milliseconds"]));
    overrides.ui_schema.insert(
        "workflow_details.description.ui:widget".into(),
        json!("textarea"),
    );
    workflow(
        vec![
            task(inst(
                "workflow_details",
                "Workflow Details",
                workflow_details_task(),
            )),
            Entry::Group(
                "Data",
                "Where the events come from.",
                vec![
                    inst("get_events", "Get Events", get_events_task()).text("extra", "unused"),
                    inst("filter_events", "Filter Events", filter_task())
                        .reference("df", "get_events"),
                ],
            ),
            Entry::Group(
                "Outputs",
                "What gets drawn.",
                vec![
                    inst("draw_map", "Draw Map", draw_map_task()).reference("df", "filter_events"),
                    inst("draw_chart", "Draw Chart", draw_chart_task())
                        .reference("data", "filter_events"),
                ],
            ),
            Entry::Group(
                "Bookkeeping",
                "Nothing to fill here.",
                vec![
                    inst("count", "", add_task())
                        .literal("a", 1)
                        .literal("b", 2),
                ],
            ),
            task(inst("total", "Total", add_task()).map(&["a"], "count")),
        ],
        overrides,
    )
}

fn pretty(v: &Json) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

fn messages(errors: &[ValidationErrorItem]) -> Vec<&str> {
    errors.iter().map(|e| e.message.as_str()).collect()
}

fn valid_params() -> Json {
    json!({
        "workflow_details": {"name": "Events", "description": "Events on a map"},
        "get_events": {
            "client": {"name": "er-prod"},
            "time_range": {"since": "2024-01-01T00:00:00Z", "until": "2024-02-01T00:00:00Z", "unit": "s"}
        },
        "filter_events": {"min_speed": 2.5},
        "draw_map": {"style": "dark"},
        "draw_chart": {"style": {"color": "red"}},
        "total": {"b": 3}
    })
}

// ---------------------------------------------------------------------------------------------
// params.json / rjsf.json
// ---------------------------------------------------------------------------------------------

#[test]
fn params_json_of_grouped_example() {
    insta::assert_snapshot!(
        "params_json_grouped_example",
        pretty(&params_schema(&grouped_example()))
    );
}

#[test]
fn rjsf_json_of_grouped_example() {
    insta::assert_snapshot!(
        "rjsf_json_grouped_example",
        pretty(&rjsf_schema(&grouped_example()))
    );
}

#[test]
fn params_json_shape() {
    let p = params_schema(&grouped_example());
    let keys: Vec<&String> = p.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "type",
            "properties",
            "required",
            "$defs",
            "uiSchema",
            "additionalProperties"
        ]
    );
    let ids: Vec<&String> = p["properties"].as_object().unwrap().keys().collect();
    // Flattened execution order; the fully bound `count` is gone.
    assert_eq!(
        ids,
        [
            "workflow_details",
            "get_events",
            "filter_events",
            "draw_map",
            "draw_chart",
            "total"
        ]
    );
    // `filter_events` only has a defaulted parameter left.
    assert_eq!(
        p["required"],
        json!([
            "workflow_details",
            "get_events",
            "draw_map",
            "draw_chart",
            "total"
        ])
    );
    // Bound arguments are gone from properties and required.
    assert_eq!(
        p["properties"]["get_events"]["required"],
        json!(["client", "time_range"])
    );
    assert!(
        p["properties"]["get_events"]["properties"]
            .get("extra")
            .is_none()
    );
    assert_eq!(p["properties"]["total"]["required"], json!(["b"]));
    assert_eq!(p["properties"]["filter_events"]["required"], json!([]));
    // Hoisted definitions: reachable only, transitively, clashing `Style` renamed.
    let defs: Vec<&String> = p["$defs"].as_object().unwrap().keys().collect();
    assert_eq!(
        defs,
        [
            "EarthRangerConnection",
            "TimeRange",
            "Unit",
            "Style",
            "Style_2"
        ]
    );
    assert_eq!(
        p["properties"]["draw_map"]["properties"]["style"],
        json!({"$ref": "#/$defs/Style"})
    );
    assert_eq!(
        p["properties"]["draw_chart"]["properties"]["style"],
        json!({"$ref": "#/$defs/Style_2"})
    );
    // Overrides never touch params.json.
    assert_eq!(
        p["properties"]["get_events"]["properties"]["page_size"]["title"],
        json!("Page Size")
    );
}

#[test]
fn rjsf_json_shape() {
    let r = rjsf_schema(&grouped_example());
    let top: Vec<&String> = r["properties"].as_object().unwrap().keys().collect();
    assert_eq!(top, ["workflow_details", "Data", "Outputs", "total"]);
    assert_eq!(
        r["uiSchema"]["ui:order"],
        json!(["workflow_details", "Data", "Outputs", "total"])
    );
    assert_eq!(
        r["uiSchema"]["Data"]["ui:order"],
        json!(["get_events", "filter_events"])
    );
    assert_eq!(
        r["uiSchema"]["Data"]["get_events"],
        json!({"ui:order": ["client", "time_range", "page_size"]})
    );
    // filter_events has a single property left: no ui:order for it.
    assert!(r["uiSchema"]["Data"].get("filter_events").is_none());
    assert_eq!(r["properties"]["Data"]["ecoscope:task_group"], json!(true));
    assert_eq!(
        r["properties"]["Data"]["additionalProperties"],
        json!(false)
    );
    // Overrides.
    assert_eq!(
        r["properties"]["Data"]["properties"]["get_events"]["properties"]["page_size"]["title"],
        json!("Events per page")
    );
    assert_eq!(
        r["$defs"]["Unit"]["enumNames"],
        json!(["seconds", "milliseconds"])
    );
    assert_eq!(
        r["uiSchema"]["workflow_details"]["description"],
        json!({"ui:widget": "textarea"})
    );
}

#[test]
fn generated_documents_are_valid_json_schemas() {
    let wf = grouped_example();
    assert_eq!(check_schema(&params_schema(&wf)), vec![]);
    assert_eq!(check_schema(&rjsf_schema(&wf)), vec![]);
}

#[test]
fn instance_with_no_unbound_parameters_is_omitted_everywhere() {
    let wf = workflow(
        vec![task(
            inst("count", "", add_task())
                .literal("a", 1)
                .literal("b", 2),
        )],
        RjsfOverrides::default(),
    );
    let p = params_schema(&wf);
    assert_eq!(p["properties"], json!({}));
    assert_eq!(p["required"], json!([]));
    assert_eq!(p["uiSchema"], json!({"ui:order": []}));
    // Nothing to fill, nothing required: the empty document is the only valid input.
    assert_eq!(validate(&json!({}), &p), vec![]);
    assert_eq!(rjsf_schema(&wf)["properties"], json!({}));
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

#[test]
fn valid_params_pass() {
    let p = params_schema(&grouped_example());
    assert_eq!(validate(&valid_params(), &p), vec![]);
}

#[test]
fn empty_params_are_rejected_by_root_required() {
    let p = params_schema(&grouped_example());
    let errors = validate(&json!({}), &p);
    assert_eq!(
        messages(&errors),
        [
            "'workflow_details' is a required property",
            "'get_events' is a required property",
            "'draw_map' is a required property",
            "'draw_chart' is a required property",
            "'total' is a required property"
        ]
    );
    assert!(
        errors
            .iter()
            .all(|e| e.path.is_empty() && e.schema_path == vec![json!("required")])
    );
}

#[test]
fn every_error_is_reported_sorted_by_path() {
    let p = params_schema(&grouped_example());
    let mut params = valid_params();
    params["get_events"]["time_range"] = json!({"since": 5, "unit": "h"});
    params["get_events"]["page_size"] = json!(0);
    params["draw_map"] = json!({"style": "neon", "opacity": 1.5, "df": {}});
    params["draw_chart"]["style"] = json!({"color": ["red"]});
    params["unknown"] = json!({});
    let errors = validate(&params, &p);
    let wire = serde_json::to_value(&errors).unwrap();
    assert_eq!(
        wire,
        json!([
            {
                "message": "Additional properties are not allowed ('unknown' was unexpected)",
                "path": [], "schema_path": ["additionalProperties"], "validator": "additionalProperties",
                "input": params
            },
            {
                "message": "['red'] is not of type 'string'",
                "path": ["draw_chart", "style", "color"],
                "schema_path": ["properties", "draw_chart", "properties", "style", "properties", "color", "type"],
                "validator": "type", "input": ["red"]
            },
            {
                "message": "Additional properties are not allowed ('df' was unexpected)",
                "path": ["draw_map"], "schema_path": ["properties", "draw_map", "additionalProperties"],
                "validator": "additionalProperties", "input": {"style": "neon", "opacity": 1.5, "df": {}}
            },
            {
                "message": "1.5 is greater than the maximum of 1",
                "path": ["draw_map", "opacity"], "schema_path": ["properties", "draw_map", "properties", "opacity", "maximum"],
                "validator": "maximum", "input": 1.5
            },
            {
                "message": "'neon' is not one of ['light', 'dark']",
                "path": ["draw_map", "style"], "schema_path": ["properties", "draw_map", "properties", "style", "enum"],
                "validator": "enum", "input": "neon"
            },
            {
                "message": "0 is less than or equal to the minimum of 0",
                "path": ["get_events", "page_size"],
                "schema_path": ["properties", "get_events", "properties", "page_size", "exclusiveMinimum"],
                "validator": "exclusiveMinimum", "input": 0
            },
            {
                "message": "'until' is a required property",
                "path": ["get_events", "time_range"],
                "schema_path": ["properties", "get_events", "properties", "time_range", "required"],
                "validator": "required", "input": {"since": 5, "unit": "h"}
            },
            {
                "message": "5 is not of type 'string'",
                "path": ["get_events", "time_range", "since"],
                "schema_path": ["properties", "get_events", "properties", "time_range", "properties", "since", "type"],
                "validator": "type", "input": 5
            },
            {
                "message": "'h' is not valid under any of the given schemas",
                "path": ["get_events", "time_range", "unit"],
                "schema_path": ["properties", "get_events", "properties", "time_range", "properties", "unit", "anyOf"],
                "validator": "anyOf", "input": "h"
            }
        ])
    );
}

/// (schema, instance, errors as Python `jsonschema` 4.26 `Draft202012Validator` reports them,
/// serialized by `wt_contracts.formdata._serialize_errors`, sorted by path).
const PYTHON_CASES: &[(&str, &str, &str)] = &[
    (
        r##"{"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": ["string", "null"]}}, "required": ["a", "b", "c"], "additionalProperties": false}"##,
        r##"{"a": "1", "b": 2, "z": 1, "y": 2}"##,
        r##"[{"message": "'c' is a required property", "path": [], "schema_path": ["required"], "validator": "required", "input": {"a": "1", "b": 2, "z": 1, "y": 2}}, {"message": "Additional properties are not allowed ('y', 'z' were unexpected)", "path": [], "schema_path": ["additionalProperties"], "validator": "additionalProperties", "input": {"a": "1", "b": 2, "z": 1, "y": 2}}, {"message": "'1' is not of type 'integer'", "path": ["a"], "schema_path": ["properties", "a", "type"], "validator": "type", "input": "1"}, {"message": "2 is not of type 'string', 'null'", "path": ["b"], "schema_path": ["properties", "b", "type"], "validator": "type", "input": 2}]"##,
    ),
    (
        r##"{"properties": {"e": {"enum": ["s", "ms", 1, null]}, "c": {"const": {"k": [1, true]}}, "n": {"minimum": 1.5, "maximum": 3}, "x": {"exclusiveMinimum": 0, "exclusiveMaximum": 10}}}"##,
        r##"{"e": "h", "c": {"k": [1]}, "n": 0.5, "x": 0}"##,
        r##"[{"message": "{'k': [1, True]} was expected", "path": ["c"], "schema_path": ["properties", "c", "const"], "validator": "const", "input": {"k": [1]}}, {"message": "'h' is not one of ['s', 'ms', 1, None]", "path": ["e"], "schema_path": ["properties", "e", "enum"], "validator": "enum", "input": "h"}, {"message": "0.5 is less than the minimum of 1.5", "path": ["n"], "schema_path": ["properties", "n", "minimum"], "validator": "minimum", "input": 0.5}, {"message": "0 is less than or equal to the minimum of 0", "path": ["x"], "schema_path": ["properties", "x", "exclusiveMinimum"], "validator": "exclusiveMinimum", "input": 0}]"##,
    ),
    (
        r##"{"properties": {"n": {"maximum": 3}, "x": {"exclusiveMaximum": 10}, "s": {"minLength": 1, "maxLength": 2}, "t": {"minLength": 3}, "u": {"maxLength": 0}}}"##,
        r##"{"n": 1e+20, "x": 10, "s": "", "t": "ab", "u": "q"}"##,
        r##"[{"message": "1e+20 is greater than the maximum of 3", "path": ["n"], "schema_path": ["properties", "n", "maximum"], "validator": "maximum", "input": 1e+20}, {"message": "'' should be non-empty", "path": ["s"], "schema_path": ["properties", "s", "minLength"], "validator": "minLength", "input": ""}, {"message": "'ab' is too short", "path": ["t"], "schema_path": ["properties", "t", "minLength"], "validator": "minLength", "input": "ab"}, {"message": "'q' is expected to be empty", "path": ["u"], "schema_path": ["properties", "u", "maxLength"], "validator": "maxLength", "input": "q"}, {"message": "10 is greater than or equal to the maximum of 10", "path": ["x"], "schema_path": ["properties", "x", "exclusiveMaximum"], "validator": "exclusiveMaximum", "input": 10}]"##,
    ),
    (
        r##"{"properties": {"l": {"minItems": 1}, "m": {"minItems": 2}, "o": {"maxItems": 0}, "p": {"maxItems": 1}, "q": {"uniqueItems": true}, "r": {"pattern": "^[a-z]+$"}, "mo": {"multipleOf": 3}}}"##,
        r##"{"l": [], "m": [1], "o": [1], "p": [1, 2], "q": [1, 1], "r": "AB'c", "mo": 7}"##,
        r##"[{"message": "[] should be non-empty", "path": ["l"], "schema_path": ["properties", "l", "minItems"], "validator": "minItems", "input": []}, {"message": "[1] is too short", "path": ["m"], "schema_path": ["properties", "m", "minItems"], "validator": "minItems", "input": [1]}, {"message": "7 is not a multiple of 3", "path": ["mo"], "schema_path": ["properties", "mo", "multipleOf"], "validator": "multipleOf", "input": 7}, {"message": "[1] is expected to be empty", "path": ["o"], "schema_path": ["properties", "o", "maxItems"], "validator": "maxItems", "input": [1]}, {"message": "[1, 2] is too long", "path": ["p"], "schema_path": ["properties", "p", "maxItems"], "validator": "maxItems", "input": [1, 2]}, {"message": "[1, 1] has non-unique elements", "path": ["q"], "schema_path": ["properties", "q", "uniqueItems"], "validator": "uniqueItems", "input": [1, 1]}, {"message": "\"AB'c\" does not match '^[a-z]+$'", "path": ["r"], "schema_path": ["properties", "r", "pattern"], "validator": "pattern", "input": "AB'c"}]"##,
    ),
    (
        r##"{"properties": {"a": {"anyOf": [{"type": "integer"}, {"type": "null"}]}, "o": {"oneOf": [{"type": "integer"}, {"minimum": 0}]}, "n": {"not": {"type": "string"}}, "all": {"allOf": [{"type": "integer"}, {"minimum": 5}]}}}"##,
        r##"{"a": "x", "o": 3, "n": "s", "all": 2.5}"##,
        r##"[{"message": "'x' is not valid under any of the given schemas", "path": ["a"], "schema_path": ["properties", "a", "anyOf"], "validator": "anyOf", "input": "x"}, {"message": "2.5 is not of type 'integer'", "path": ["all"], "schema_path": ["properties", "all", "allOf", 0, "type"], "validator": "type", "input": 2.5}, {"message": "2.5 is less than the minimum of 5", "path": ["all"], "schema_path": ["properties", "all", "allOf", 1, "minimum"], "validator": "minimum", "input": 2.5}, {"message": "'s' should not be valid under {'type': 'string'}", "path": ["n"], "schema_path": ["properties", "n", "not"], "validator": "not", "input": "s"}, {"message": "3 is valid under each of {'minimum': 0}, {'type': 'integer'}", "path": ["o"], "schema_path": ["properties", "o", "oneOf"], "validator": "oneOf", "input": 3}]"##,
    ),
    (
        r##"{"properties": {"p": {"propertyNames": {"maxLength": 2}}, "d": {"dependentRequired": {"a": ["b", "c"]}}, "mp": {"minProperties": 1}, "xp": {"maxProperties": 1}, "mp2": {"minProperties": 2}}}"##,
        r##"{"p": {"abc": 1}, "d": {"a": 1}, "mp": {}, "xp": {"a": 1, "b": 2}, "mp2": {"a": 1}}"##,
        r##"[{"message": "'b' is a dependency of 'a'", "path": ["d"], "schema_path": ["properties", "d", "dependentRequired"], "validator": "dependentRequired", "input": {"a": 1}}, {"message": "'c' is a dependency of 'a'", "path": ["d"], "schema_path": ["properties", "d", "dependentRequired"], "validator": "dependentRequired", "input": {"a": 1}}, {"message": "{} should be non-empty", "path": ["mp"], "schema_path": ["properties", "mp", "minProperties"], "validator": "minProperties", "input": {}}, {"message": "{'a': 1} does not have enough properties", "path": ["mp2"], "schema_path": ["properties", "mp2", "minProperties"], "validator": "minProperties", "input": {"a": 1}}, {"message": "'abc' is too long", "path": ["p"], "schema_path": ["properties", "p", "propertyNames", "maxLength"], "validator": "maxLength", "input": "abc"}, {"message": "{'a': 1, 'b': 2} has too many properties", "path": ["xp"], "schema_path": ["properties", "xp", "maxProperties"], "validator": "maxProperties", "input": {"a": 1, "b": 2}}]"##,
    ),
    (
        r##"{"type": "object", "properties": {"ev": {"$ref": "#/$defs/Ev"}}, "$defs": {"Ev": {"type": "object", "properties": {"tr": {"$ref": "#/$defs/TR"}, "xs": {"type": "array", "items": {"$ref": "#/$defs/TR"}}}, "required": ["tr"], "additionalProperties": false}, "TR": {"type": "object", "properties": {"since": {"type": "string", "format": "date-time"}}, "required": ["since"]}}}"##,
        r##"{"ev": {"xs": [{"since": 5}, {}, {"since": "not a date"}], "extra": 1}}"##,
        r##"[{"message": "'tr' is a required property", "path": ["ev"], "schema_path": ["properties", "ev", "required"], "validator": "required", "input": {"xs": [{"since": 5}, {}, {"since": "not a date"}], "extra": 1}}, {"message": "Additional properties are not allowed ('extra' was unexpected)", "path": ["ev"], "schema_path": ["properties", "ev", "additionalProperties"], "validator": "additionalProperties", "input": {"xs": [{"since": 5}, {}, {"since": "not a date"}], "extra": 1}}, {"message": "5 is not of type 'string'", "path": ["ev", "xs", 0, "since"], "schema_path": ["properties", "ev", "properties", "xs", "items", "properties", "since", "type"], "validator": "type", "input": 5}, {"message": "'since' is a required property", "path": ["ev", "xs", 1], "schema_path": ["properties", "ev", "properties", "xs", "items", "required"], "validator": "required", "input": {}}]"##,
    ),
    (
        r##"{"properties": {"t": {"prefixItems": [{"type": "integer"}, {"type": "string"}], "items": false}, "u": {"prefixItems": [{"type": "integer"}], "items": false}, "v": {"items": false}}}"##,
        r##"{"t": [1, "a", 3, 4], "u": [1, 2], "v": [[1]]}"##,
        r##"[{"message": "Expected at most 2 items but found 2 extra: [3, 4]", "path": ["t"], "schema_path": ["properties", "t", "items"], "validator": "items", "input": [1, "a", 3, 4]}, {"message": "Expected at most 1 item but found 1 extra: 2", "path": ["u"], "schema_path": ["properties", "u", "items"], "validator": "items", "input": [1, 2]}, {"message": "Expected at most 0 items but found 1 extra: [1]", "path": ["v"], "schema_path": ["properties", "v", "items"], "validator": "items", "input": [[1]]}]"##,
    ),
    (
        r##"{"properties": {"i": {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "integer"}}, "j": {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "integer"}}}}"##,
        r##"{"i": "a", "j": 1.5}"##,
        r##"[{"message": "'a' is too short", "path": ["i"], "schema_path": ["properties", "i", "then", "minLength"], "validator": "minLength", "input": "a"}, {"message": "1.5 is not of type 'integer'", "path": ["j"], "schema_path": ["properties", "j", "else", "type"], "validator": "type", "input": 1.5}]"##,
    ),
    (
        r##"{"properties": {"u": {"properties": {"a": {}}, "unevaluatedProperties": false}, "w": {"additionalProperties": false}, "pp": {"patternProperties": {"^x": {"type": "integer"}, "^y": {}}, "additionalProperties": false}, "ap": {"additionalProperties": {"type": "string"}}}}"##,
        r##"{"u": {"a": 1, "c": 2, "b": 3}, "w": {"k": 1}, "pp": {"xa": "s", "q": 1, "r": 2}, "ap": {"m": 1}}"##,
        r##"[{"message": "1 is not of type 'string'", "path": ["ap", "m"], "schema_path": ["properties", "ap", "additionalProperties", "type"], "validator": "type", "input": 1}, {"message": "'q', 'r' do not match any of the regexes: '^x', '^y'", "path": ["pp"], "schema_path": ["properties", "pp", "additionalProperties"], "validator": "additionalProperties", "input": {"xa": "s", "q": 1, "r": 2}}, {"message": "'s' is not of type 'integer'", "path": ["pp", "xa"], "schema_path": ["properties", "pp", "patternProperties", "^x", "type"], "validator": "type", "input": "s"}, {"message": "Unevaluated properties are not allowed ('b', 'c' were unexpected)", "path": ["u"], "schema_path": ["properties", "u", "unevaluatedProperties"], "validator": "unevaluatedProperties", "input": {"a": 1, "c": 2, "b": 3}}, {"message": "Additional properties are not allowed ('k' was unexpected)", "path": ["w"], "schema_path": ["properties", "w", "additionalProperties"], "validator": "additionalProperties", "input": {"k": 1}}]"##,
    ),
    (
        r##"{"properties": {"f": {"type": "integer"}, "g": {"type": "number"}, "s": {"type": "string"}, "b": {"type": "boolean"}, "o": {"type": "object"}, "a": {"type": "array"}, "nn": {"type": "null"}}}"##,
        r##"{"f": 1.0, "g": "1", "s": "it's \"q\"\nline", "b": 0, "o": [], "a": {}, "nn": false}"##,
        r##"[{"message": "{} is not of type 'array'", "path": ["a"], "schema_path": ["properties", "a", "type"], "validator": "type", "input": {}}, {"message": "0 is not of type 'boolean'", "path": ["b"], "schema_path": ["properties", "b", "type"], "validator": "type", "input": 0}, {"message": "'1' is not of type 'number'", "path": ["g"], "schema_path": ["properties", "g", "type"], "validator": "type", "input": "1"}, {"message": "False is not of type 'null'", "path": ["nn"], "schema_path": ["properties", "nn", "type"], "validator": "type", "input": false}, {"message": "[] is not of type 'object'", "path": ["o"], "schema_path": ["properties", "o", "type"], "validator": "type", "input": []}]"##,
    ),
    (
        r##"{"properties": {"f": {"type": "integer"}, "g": {"type": "integer"}, "h": {"type": "integer"}, "k": {"type": "string"}}}"##,
        r##"{"f": 1.5, "g": 1e-05, "h": 1.2345678901234568e+16, "k": {"a": [null, true, false, -0.0]}}"##,
        r##"[{"message": "1.5 is not of type 'integer'", "path": ["f"], "schema_path": ["properties", "f", "type"], "validator": "type", "input": 1.5}, {"message": "1e-05 is not of type 'integer'", "path": ["g"], "schema_path": ["properties", "g", "type"], "validator": "type", "input": 1e-05}, {"message": "{'a': [None, True, False, -0.0]} is not of type 'string'", "path": ["k"], "schema_path": ["properties", "k", "type"], "validator": "type", "input": {"a": [null, true, false, -0.0]}}]"##,
    ),
    (
        r##"{"properties": {"xs": {"type": "array", "items": {"type": "object", "properties": {"0": {"type": "integer"}}, "required": ["1"]}}}}"##,
        r##"{"xs": [{"0": "a"}, {"1": 1}, {"0": "b"}]}"##,
        r##"[{"message": "'1' is a required property", "path": ["xs", 0], "schema_path": ["properties", "xs", "items", "required"], "validator": "required", "input": {"0": "a"}}, {"message": "'a' is not of type 'integer'", "path": ["xs", 0, "0"], "schema_path": ["properties", "xs", "items", "properties", "0", "type"], "validator": "type", "input": "a"}, {"message": "'1' is a required property", "path": ["xs", 2], "schema_path": ["properties", "xs", "items", "required"], "validator": "required", "input": {"0": "b"}}, {"message": "'b' is not of type 'integer'", "path": ["xs", 2, "0"], "schema_path": ["properties", "xs", "items", "properties", "0", "type"], "validator": "type", "input": "b"}]"##,
    ),
    (
        r##"{"properties": {"c": {"contains": {"type": "string"}}}}"##,
        r##"{"c": [1, 2]}"##,
        r##"[{"message": "[1, 2] does not contain items matching the given schema", "path": ["c"], "schema_path": ["properties", "c", "contains"], "validator": "contains", "input": [1, 2]}]"##,
    ),
    (
        r##"{"properties": {"a": {"minimum": 0}}}"##,
        r##"{"a": -1}"##,
        r##"[{"message": "-1 is less than the minimum of 0", "path": ["a"], "schema_path": ["properties", "a", "minimum"], "validator": "minimum", "input": -1}]"##,
    ),
    (
        r##"{"properties": {"few": {"contains": {"type": "string"}, "minContains": 2}, "none": {"contains": {"type": "string"}, "minContains": 2}, "many": {"contains": {"$ref": "#/$defs/I"}, "maxContains": 1}}, "$defs": {"I": {"type": "integer"}}}"##,
        r##"{"few": ["a", 1], "none": [1], "many": [1, 2, "x"]}"##,
        r##"[{"message": "Too few items match the given schema (expected at least 2 but only 1 matched)", "path": ["few"], "schema_path": ["properties", "few", "contains"], "validator": "minContains", "input": ["a", 1]}, {"message": "Too many items match the given schema (expected at most 1)", "path": ["many"], "schema_path": ["properties", "many", "contains"], "validator": "maxContains", "input": [1, 2, "x"]}, {"message": "[1] does not contain items matching the given schema", "path": ["none"], "schema_path": ["properties", "none", "contains"], "validator": "contains", "input": [1]}]"##,
    ),
    (
        r##"{"type": "object", "properties": {"get_events": {"additionalProperties": false, "properties": {"client": {"$ref": "#/$defs/EarthRangerConnection"}, "page_size": {"default": 100, "exclusiveMinimum": 0, "type": "integer"}}, "required": ["client"], "type": "object", "title": "Get Events"}, "total": {"properties": {"b": {"type": "integer"}}, "required": ["b"], "type": "object"}}, "required": ["get_events", "total"], "$defs": {"EarthRangerConnection": {"properties": {"name": {"type": "string"}}, "required": ["name"], "type": "object"}}, "uiSchema": {"ui:order": ["get_events", "total"]}, "additionalProperties": false}"##,
        r##"{"get_events": {"client": {"name": 7, "token": "t"}, "page_size": -1, "x": null}, "extra": {}}"##,
        r##"[{"message": "'total' is a required property", "path": [], "schema_path": ["required"], "validator": "required", "input": {"get_events": {"client": {"name": 7, "token": "t"}, "page_size": -1, "x": null}, "extra": {}}}, {"message": "Additional properties are not allowed ('extra' was unexpected)", "path": [], "schema_path": ["additionalProperties"], "validator": "additionalProperties", "input": {"get_events": {"client": {"name": 7, "token": "t"}, "page_size": -1, "x": null}, "extra": {}}}, {"message": "Additional properties are not allowed ('x' was unexpected)", "path": ["get_events"], "schema_path": ["properties", "get_events", "additionalProperties"], "validator": "additionalProperties", "input": {"client": {"name": 7, "token": "t"}, "page_size": -1, "x": null}}, {"message": "7 is not of type 'string'", "path": ["get_events", "client", "name"], "schema_path": ["properties", "get_events", "properties", "client", "properties", "name", "type"], "validator": "type", "input": 7}, {"message": "-1 is less than or equal to the minimum of 0", "path": ["get_events", "page_size"], "schema_path": ["properties", "get_events", "properties", "page_size", "exclusiveMinimum"], "validator": "exclusiveMinimum", "input": -1}]"##,
    ),
];

#[test]
fn errors_match_python_jsonschema() {
    for (i, (schema, instance, expected)) in PYTHON_CASES.iter().enumerate() {
        let schema: Json = serde_json::from_str(schema).unwrap();
        let instance: Json = serde_json::from_str(instance).unwrap();
        let expected: Json = serde_json::from_str(expected).unwrap();
        let got = serde_json::to_value(validate(&instance, &schema)).unwrap();
        assert_eq!(got, expected, "case {i}");
    }
}

/// More keywords and value kinds than [`PYTHON_CASES`], for the live comparison below:
/// (schema, instances).
const MORE_CASES: &[(&str, &[&str])] = &[
    (
        r##"{"properties": {"t": {"prefixItems": [{"type": "integer"}], "unevaluatedItems": false}, "d": {"dependentSchemas": {"a": {"required": ["b"]}}}}}"##,
        &[
            r##"{"t": [1, "a", "b"], "d": {"a": 1}}"##,
            r##"{"t": [1], "d": {"b": 1}}"##,
        ],
    ),
    (
        r##"{"$id": "https://example.com/root.json", "properties": {"a": {"$ref": "item.json"}, "b": {"$ref": "#pos"}, "c": {"$ref": "https://example.com/item.json"}}, "$defs": {"item": {"$id": "item.json", "type": "string"}, "pos": {"$anchor": "pos", "minimum": 0}}}"##,
        &[
            r##"{"a": 1, "b": -1, "c": null}"##,
            r##"{"a": "x", "b": 0, "c": "y"}"##,
        ],
    ),
    (
        r##"{"properties": {"a": false, "b": {"not": {}}, "n": {"not": true}, "o": {"oneOf": [{"type": "string"}, {"type": "null"}]}, "p": {"propertyNames": {"pattern": "^[a-z]+$"}}}}"##,
        &[r##"{"a": 1, "b": 2, "n": 3, "o": 1, "p": {"ok": 1, "Bad": 2, "ALSO": 3}}"##],
    ),
    (
        r##"{"properties": {"e": {"enum": [1, 2]}, "c": {"const": 1}, "u": {"uniqueItems": true}, "v": {"uniqueItems": true}, "w": {"enum": [[1, {"a": 2}]]}}}"##,
        &[
            r##"{"e": true, "c": true, "u": [1, 1.0], "v": [1, true, {"a": 1}, {"a": true}], "w": [1.0, {"a": 2.0}]}"##,
        ],
    ),
    (
        r##"{"properties": {"m": {"multipleOf": 0.1}, "n": {"multipleOf": 0.5}, "k": {"multipleOf": 2}, "f": {"multipleOf": 2}, "big": {"multipleOf": 0.5}}}"##,
        &[
            r##"{"m": 0.3, "n": 1.5, "k": 3, "f": 3.5, "big": 1e308}"##,
            r##"{"m": 0.5, "n": 1.25, "k": 4, "f": 4.0}"##,
        ],
    ),
    (
        r##"{"properties": {"u": {"allOf": [{"properties": {"a": {}}}], "if": {"required": ["x"]}, "then": {"properties": {"x": {}}}, "unevaluatedProperties": {"type": "integer"}}}}"##,
        &[
            r##"{"u": {"a": "s", "x": "s", "y": "s", "w": [], "z": 1}}"##,
            r##"{"u": {"a": "s", "y": "s"}}"##,
        ],
    ),
    (
        r##"{"patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": {"type": "string"}, "properties": {"t": {"prefixItems": [{"type": "integer"}], "items": {"type": "string"}}}}"##,
        &[r##"{"xa": 1, "xb": "1", "b": 2, "c": "s", "t": [1, 2, "3", 4]}"##],
    ),
    (
        r##"{"$defs": {"P": {"minimum": 0}}, "properties": {"a": {"$ref": "#/$defs/P", "maximum": 5}, "s": {"maxLength": 2, "minLength": 2}, "big": {"maximum": 9007199254740993}, "t": {"type": ["integer", "string"]}, "one": {"type": "integer", "maximum": 1}}}"##,
        &[
            r##"{"a": 10, "s": "héé", "big": 9007199254740994, "t": 1.5, "one": 1.0}"##,
            r##"{"a": -1, "s": "é", "big": 9007199254740993, "t": "x", "one": 2.0}"##,
        ],
    ),
    (
        r##"{"properties": {"list": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}, "$defs": {"Node": {"type": "object", "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}, "required": ["name"], "additionalProperties": false}}}"##,
        &[
            r##"{"list": [{"name": "a", "children": [{"name": 1}, {"children": [], "extra": 0}]}]}"##,
        ],
    ),
];

/// Schemas for the meta-schema comparison: each breaks the Draft 2020-12 meta-schema in
/// another vocabulary (some deep inside, where `$dynamicRef` carries the check), or does not.
const META_CASES: &[&str] = &[
    r##"{"type": "objekt"}"##,
    r##"{"properties": {"a": {"minimum": "x", "required": "a"}}}"##,
    r##"{"$defs": {"A": {"items": [1], "anyOf": []}}}"##,
    r##"{"additionalProperties": {"type": 3}, "pattern": 5, "enum": "x", "dependentRequired": {"a": [1]}}"##,
    r##"{"$ref": 5, "$id": 3, "minLength": -1, "multipleOf": 0, "title": 1, "deprecated": "no"}"##,
    r##"{"prefixItems": [{"contains": {"type": ["string", "strin"]}}], "definitions": {"x": {"type": 1}}}"##,
    r##"{"type": "object", "properties": {"a": {"type": "integer", "exclusiveMinimum": 0}}, "required": ["a"], "$defs": {"B": true}}"##,
    r##"true"##,
];

/// wt's validator against Python `jsonschema` 4.26 itself (the tests' runtime), live: every
/// case above and below must give the same errors, messages, paths, schema paths, keywords and
/// inputs, in the same order; and `check_schema` must find what Python's meta-schema
/// validation finds.
#[test]
fn errors_match_python_jsonschema_live() {
    let parse = |text: &str| -> Json { serde_json::from_str(text).unwrap() };
    let mut groups: Vec<(Json, Vec<Json>)> = PYTHON_CASES
        .iter()
        .map(|(schema, instance, _)| (parse(schema), vec![parse(instance)]))
        .collect();
    groups.extend(
        MORE_CASES.iter().map(|(schema, instances)| {
            (parse(schema), instances.iter().map(|i| parse(i)).collect())
        }),
    );
    let metas: Vec<Json> = META_CASES.iter().map(|s| parse(s)).collect();
    groups.push((python_jsonschema::meta_schema(), metas.clone()));
    let python = python_jsonschema::batch(&groups);
    let (meta_expected, expected) = python.split_last().unwrap();
    for (i, ((schema, instances), expected)) in groups.iter().zip(expected).enumerate() {
        for (instance, expected) in instances.iter().zip(expected) {
            let got = serde_json::to_value(validate(instance, schema)).unwrap();
            assert_eq!(got, Json::from(expected.clone()), "group {i}: {instance}");
        }
    }
    for (schema, expected) in metas.iter().zip(meta_expected) {
        let got = serde_json::to_value(check_schema(schema)).unwrap();
        assert_eq!(got, Json::from(expected.clone()), "check_schema({schema})");
    }
    assert!(meta_expected.iter().filter(|e| !e.is_empty()).count() >= 6);
}

#[test]
fn non_object_documents_get_one_type_error() {
    let p = params_schema(&grouped_example());
    for (doc, repr) in [
        (json!([]), "[]"),
        (json!("x"), "'x'"),
        (json!(1.0), "1.0"),
        (json!(null), "None"),
        (json!(true), "True"),
    ] {
        let errors = validate(&doc, &p);
        assert_eq!(
            serde_json::to_value(&errors).unwrap(),
            json!([{
                "message": format!("{repr} is not of type 'object'"),
                "path": [], "schema_path": ["type"], "validator": "type", "input": doc
            }])
        );
    }
}

// ---------------------------------------------------------------------------------------------
// formdata <-> params
// ---------------------------------------------------------------------------------------------

fn valid_formdata() -> Json {
    json!({
        "workflow_details": {"name": "Events", "description": "Events on a map"},
        "Data": {
            "get_events": {
                "client": {"name": "er-prod"},
                "time_range": {"since": "2024-01-01T00:00:00Z", "until": "2024-02-01T00:00:00Z", "unit": "s"}
            },
            "filter_events": {"min_speed": 2.5}
        },
        "Outputs": {"draw_map": {"style": "dark"}, "draw_chart": {"style": {"color": "red"}}},
        "total": {"b": 3}
    })
}

#[test]
fn params_to_formdata_to_params_round_trips() {
    let wf = grouped_example();
    let (p, r) = (params_schema(&wf), rjsf_schema(&wf));
    let formdata = params_to_formdata(&valid_params(), &r, &p).unwrap();
    assert_eq!(formdata, valid_formdata());
    assert_eq!(
        formdata_to_params(&formdata, &r, &p).unwrap(),
        valid_params()
    );
}

#[test]
fn formdata_to_params_to_formdata_round_trips() {
    let wf = grouped_example();
    let (p, r) = (params_schema(&wf), rjsf_schema(&wf));
    let params = formdata_to_params(&valid_formdata(), &r, &p).unwrap();
    assert_eq!(params, valid_params());
    assert_eq!(
        params_to_formdata(&params, &r, &p).unwrap(),
        valid_formdata()
    );
}

#[test]
fn group_members_are_found_by_marker_not_by_shape() {
    // `first` is a direct instance with an argument named `later`; `later` is also the id of a
    // grouped instance. The published implementation nested `later` under `first`.
    let arg_named_later = known(
        "takes_later",
        None,
        json!({"additionalProperties": false, "properties": {"later": {"type": "integer"}}, "required": ["later"], "type": "object"}),
    );
    let wf = workflow(
        vec![
            task(inst("first", "", arg_named_later)),
            Entry::Group("G", "", vec![inst("later", "", add_task())]),
        ],
        RjsfOverrides::default(),
    );
    let (p, r) = (params_schema(&wf), rjsf_schema(&wf));
    let params = json!({"first": {"later": 1}, "later": {"a": 1, "b": 2}});
    let formdata = params_to_formdata(&params, &r, &p).unwrap();
    assert_eq!(
        formdata,
        json!({"first": {"later": 1}, "G": {"later": {"a": 1, "b": 2}}})
    );
    assert_eq!(formdata_to_params(&formdata, &r, &p).unwrap(), params);
}

#[test]
fn bad_formdata_is_rejected_with_422_shaped_items() {
    let wf = grouped_example();
    let (p, r) = (params_schema(&wf), rjsf_schema(&wf));
    let mut formdata = valid_formdata();
    formdata["Data"]["get_events"]["client"] = json!("er-prod");
    formdata["Data"]["stray"] = json!({});
    formdata["get_events"] = json!({});
    let errors = formdata_to_params(&formdata, &r, &p).unwrap_err();
    let body = json!({"detail": errors});
    assert_eq!(
        body,
        json!({"detail": [
            {
                "message": "Additional properties are not allowed ('get_events' was unexpected)",
                "path": [], "schema_path": ["additionalProperties"], "validator": "additionalProperties",
                "input": formdata
            },
            {
                "message": "Additional properties are not allowed ('stray' was unexpected)",
                "path": ["Data"], "schema_path": ["properties", "Data", "additionalProperties"],
                "validator": "additionalProperties", "input": formdata["Data"]
            },
            {
                "message": "'er-prod' is not of type 'object'",
                "path": ["Data", "get_events", "client"],
                "schema_path": ["properties", "Data", "properties", "get_events", "properties", "client", "type"],
                "validator": "type", "input": "er-prod"
            }
        ]})
    );
}

#[test]
fn flat_params_are_not_formdata() {
    let wf = grouped_example();
    let (p, r) = (params_schema(&wf), rjsf_schema(&wf));
    let errors = formdata_to_params(&valid_params(), &r, &p).unwrap_err();
    assert_eq!(
        messages(&errors),
        [
            "Additional properties are not allowed ('draw_chart', 'draw_map', 'filter_events', 'get_events' were unexpected)"
        ]
    );
}

#[test]
fn bad_params_are_rejected_before_conversion() {
    let wf = grouped_example();
    let (p, r) = (params_schema(&wf), rjsf_schema(&wf));
    let mut params = valid_params();
    params["total"] = json!({"b": "three"});
    params.as_object_mut().unwrap().remove("draw_map");
    let errors = params_to_formdata(&params, &r, &p).unwrap_err();
    assert_eq!(
        messages(&errors),
        [
            "'draw_map' is a required property",
            "'three' is not of type 'integer'"
        ]
    );
    assert_eq!(errors[1].path, vec![json!("total"), json!("b")]);
}

// ---------------------------------------------------------------------------------------------
// Data connections
// ---------------------------------------------------------------------------------------------

#[test]
fn data_connections_of_grouped_example() {
    let p = params_schema(&grouped_example());
    assert_eq!(
        data_connection_property_names(&p),
        json!({"EarthRanger": ["get_events"]})
    );
}

#[test]
fn data_connections_across_instances() {
    let smart = known(
        "get_patrols",
        None,
        json!({
            "$defs": {
                "SmartConnection": {"properties": {"name": {"type": "string"}}, "type": "object"},
                "PatrolConfig": {"properties": {"er": {"$ref": "#/$defs/EarthRangerConnection"}}, "type": "object"},
                "EarthRangerConnection": {
                    "properties": {"name": {"title": "Data Source", "type": "string"}},
                    "required": ["name"],
                    "title": "EarthRangerConnection",
                    "type": "object"
                }
            },
            "properties": {
                "smart": {"anyOf": [{"$ref": "#/$defs/SmartConnection"}, {"type": "null"}]},
                "config": {"$ref": "#/$defs/PatrolConfig"}
            },
            "required": ["config"],
            "type": "object"
        }),
    );
    let wf = workflow(
        vec![
            task(inst("get_events", "", get_events_task())),
            task(inst("get_patrols", "", smart)),
            task(inst("total", "", add_task())),
        ],
        RjsfOverrides::default(),
    );
    let p = params_schema(&wf);
    // Identical EarthRangerConnection definitions are shared, not renamed.
    assert!(p["$defs"].get("EarthRangerConnection_2").is_none());
    assert_eq!(
        data_connection_property_names(&p),
        json!({"EarthRanger": ["get_events", "get_patrols"], "Smart": ["get_patrols"]})
    );
}
