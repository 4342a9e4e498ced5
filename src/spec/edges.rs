//! Edge type checks: does what flows along each edge fit where it lands?
//!
//! Each task's return schema (from introspection) gives the type of an instance's output:
//! the return type for a plain call, an array of it for `map`, an array of `[key, value]`
//! pairs for `mapvalues`. Each binding that is exactly one upstream result is then checked
//! against the parameter it feeds, and each `map`/`mapvalues` against the shape it iterates:
//!
//! * `map` needs an array; with several argnames, each element must be an array of that many
//!   values; each value must fit its parameter;
//! * `mapvalues` needs an array of `[key, value]` pairs; a `dict[str, X]` (a JSON object) is
//!   the classic mistake and gets its own help;
//! * `partial` bindings to an upstream result: the kinds (object, array, string, number,
//!   boolean, null) of the producer and the parameter must overlap (an environment variable is
//!   a string pydantic may coerce, so it is not checked);
//! * an upstream that may be skipped (it has skip conditions) hands on a skip sentinel, which
//!   a consumer without skip conditions of its own only survives when the parameter accepts
//!   null or unwraps it (`SkippedDependencyFallback`). This one fails only when the skip
//!   fires on the run's data, so it is a lint finding (`skip-flow`), not an error.
//!
//! Unknown types (no annotation, `Any`, a type pydantic cannot express) fit everything, so
//! only clear mismatches are reported: each one on the binding's line, naming both sides.

use super::json_fit::{Misfit, misfit};
use super::json_type::{Elements, Kinds, Typed};
use super::lints::{Finding, Lint};
use super::model::{MapOp, Spanned, Value, Variable};
use super::resolved::{Instance, Workflow};
use crate::diag::Diagnostic;
use serde_json::{Value as Json, json};
use std::collections::HashMap;

/// What an instance hands downstream.
struct Output<'a> {
    instance: &'a Instance,
    /// Its schema (with the `$defs` of the task's return schema at the root); `None` = any.
    schema: Option<Json>,
    /// It has skip conditions, so it may return a skip sentinel instead.
    may_skip: bool,
}

/// Every edge type problem of `wf`, in spec order: the errors, and the lint findings.
pub fn check_edges(wf: &Workflow) -> (Vec<Diagnostic>, Vec<Finding>) {
    let mut outputs: HashMap<&str, Output> = HashMap::new();
    let mut found = Found::default();
    for inst in &wf.instances {
        let check = EdgeCheck {
            consumer: inst,
            outputs: &outputs,
        };
        for (name, value) in &inst.def.partial {
            if let Value::Var(var) = &value.value {
                check.binding(name, var, value.span, &mut found);
            }
        }
        if let Some(op) = &inst.def.map {
            check.map(op, &mut found);
        }
        if let Some(op) = &inst.def.mapvalues {
            check.mapvalues(op, &mut found);
        }
        let mapvalues_keys = inst
            .def
            .mapvalues
            .as_ref()
            .and_then(|op| check.upstream_pair_key(op));
        outputs.insert(
            &inst.def.id.value,
            Output {
                instance: inst,
                schema: output_schema(inst, mapvalues_keys),
                may_skip: inst
                    .skipif
                    .as_ref()
                    .is_some_and(|s| !s.conditions.is_empty()),
            },
        );
    }
    (found.errors, found.findings)
}

/// What the checks found: errors, and lint findings whose level is decided later.
#[derive(Default)]
struct Found {
    errors: Vec<Diagnostic>,
    findings: Vec<Finding>,
}

/// The type of what `inst` returns, given the key schema of the pairs it maps over (mapvalues).
fn output_schema(inst: &Instance, mapvalues_key: Option<Json>) -> Option<Json> {
    let returns = inst.task.signature.return_schema.clone();
    if inst.def.map.is_none() && inst.def.mapvalues.is_none() {
        return returns;
    }
    let mut returns = returns.unwrap_or(json!({}));
    // `$defs` stay at the root so the return type's `$ref`s keep resolving.
    let defs = returns.as_object_mut().and_then(|m| m.remove("$defs"));
    let element = if inst.def.map.is_some() {
        returns
    } else {
        let key = mapvalues_key.unwrap_or(json!({}));
        json!({"type": "array", "prefixItems": [key, returns], "minItems": 2, "maxItems": 2})
    };
    let mut out = json!({"type": "array", "items": element});
    if let Some(defs) = defs {
        out["$defs"] = defs;
    }
    Some(out)
}

/// The value a `map`/`mapvalues` iterates: its type, how messages name it ("`x` (task)
/// returns"), and the producing task's function name.
struct Fanned {
    schema: Json,
    label: String,
    task: Option<String>,
}

struct EdgeCheck<'w, 'o> {
    consumer: &'w Instance,
    outputs: &'o HashMap<&'w str, Output<'w>>,
}

/// One side of an edge as messages name it, e.g. "`scores` (keyed_scores) returns".
fn producer_label(out: &Output) -> String {
    format!(
        "`{}` ({})",
        out.instance.def.id.value, out.instance.task.function_name
    )
}

impl<'w> EdgeCheck<'w, '_> {
    /// The parameter `name`'s schema; `None` when it is not a parameter (reported elsewhere).
    fn parameter(&self, name: &str) -> Option<(Option<&'w Json>, bool)> {
        self.consumer
            .task
            .signature
            .parameter(name)
            .map(|p| (p.schema.as_ref(), p.skip_fallback))
    }

    fn parameter_label(&self, name: &str) -> String {
        format!(
            "parameter `{name}` of `{}` ({})",
            self.consumer.def.id.value, self.consumer.task.function_name
        )
    }

    /// What a single `argvalues` variable iterates over; `None` for an unknown id.
    fn fanned(&self, var: &Variable) -> Option<Fanned> {
        Some(match var {
            Variable::Env(env) => Fanned {
                schema: json!({"type": "string"}),
                label: format!("environment variable `{env}` is"),
                task: None,
            },
            var => {
                let out = self.upstream(var)?;
                Fanned {
                    schema: out.schema.clone().unwrap_or(json!({})),
                    label: format!("{} returns", producer_label(out)),
                    task: Some(out.instance.task.function_name.clone()),
                }
            }
        })
    }

    /// The upstream output a variable reads (`None` for env variables and unknown ids).
    fn upstream(&self, var: &Variable) -> Option<&Output<'w>> {
        match var {
            Variable::TaskReturn(id) => self.outputs.get(id.as_str()),
            Variable::Env(_) => None,
        }
    }

    fn binding(
        &self,
        name: &Spanned<String>,
        var: &Variable,
        span: crate::yaml::Span,
        found: &mut Found,
    ) {
        let Some((param, fallback)) = self.parameter(&name.value) else {
            return;
        };
        let param_type = Typed::of(param);
        // An environment variable is a string that pydantic may coerce (`"3"` to an int), so
        // only upstream results are checked.
        let Some(out) = self.upstream(var) else {
            return;
        };
        let produced = out.schema.clone().unwrap_or(json!({}));
        let label = format!("{} returns", producer_label(out));
        let produced_type = Typed::of(Some(&produced));
        if let Some(misfit) = misfit(produced_type, param_type) {
            let certain = misfit.lint.is_none();
            self.report_misfit(
                misfit,
                (&label, produced_type),
                (&name.value, param_type),
                span,
                "Bind a value of the parameter's type, or change one of the two annotations so they agree.",
                found,
            );
            if certain {
                return;
            }
        }
        self.skip_sentinel(out, &name.value, param_type, fallback, span, found);
    }

    /// A skippable upstream feeding a consumer that cannot take its sentinel.
    fn skip_sentinel(
        &self,
        out: &Output,
        param: &str,
        param_type: Typed,
        fallback: bool,
        span: crate::yaml::Span,
        found: &mut Found,
    ) {
        let consumer_skips = self
            .consumer
            .skipif
            .as_ref()
            .is_some_and(|s| !s.conditions.is_empty());
        if !out.may_skip || consumer_skips || fallback || param_type.kinds().contains(Kinds::NULL) {
            return;
        }
        let diagnostic = Diagnostic::new(
                span,
                format!(
                    "{} may be skipped (it has skip conditions), and then passes a skip sentinel to {}, which takes {} and has no skip conditions of its own.",
                    producer_label(out),
                    self.parameter_label(param),
                    param_type.display()
                ),
            )
            .help(format!(
                "Give `{}` skip conditions (its own `skipif` or task-instance-defaults), let `{param}` accept None, or annotate it with `SkippedDependencyFallback`.",
                self.consumer.def.id.value
            ));
        found.findings.push(Finding {
            lint: Lint::SkipFlow,
            instance: self.consumer.def.id.value.clone(),
            diagnostic,
        });
    }

    fn map(&self, op: &MapOp, found: &mut Found) {
        if op.argvalues_is_list {
            // Each listed value is one element.
            for v in &op.argvalues {
                if let Some(out) = self.upstream(&v.value) {
                    let schema = out.schema.clone().unwrap_or(json!({}));
                    let element = Typed::of(Some(&schema));
                    let what = format!("{} returns", producer_label(out));
                    self.element(op, element, &what, v.span, found);
                }
            }
            return;
        }
        let Some(v) = op.argvalues.first() else {
            return;
        };
        let Some(Fanned { schema, label, .. }) = self.fanned(&v.value) else {
            return;
        };
        let produced = Typed::of(Some(&schema));
        if !produced.kinds().intersects(Kinds::ARRAY) {
            found.errors.push(
                Diagnostic::new(
                    v.span,
                    format!(
                        "`map` iterates over a list, but {label} {}.",
                        produced.display()
                    ),
                )
                .help("Map over a task that returns a list (e.g. `list[...]`), or bind the value with `partial` instead."),
            );
            return;
        }
        for alt in produced.alternatives() {
            if let Elements::Uniform(element) = alt.elements() {
                let what = format!("each element of what {label} is");
                self.element(op, element, &what, v.span, found);
            }
        }
    }

    /// One element of a `map`: one value for one argname, or an array of one value per
    /// argname.
    fn element(
        &self,
        op: &MapOp,
        element: Typed,
        what: &str,
        span: crate::yaml::Span,
        found: &mut Found,
    ) {
        match op.argnames.as_slice() {
            [one] => self.fits(&one.value, element, what, span, found),
            names => {
                let n = names.len();
                let list = names
                    .iter()
                    .map(|a| format!("`{}`", a.value))
                    .collect::<Vec<_>>()
                    .join(", ");
                if !element.kinds().intersects(Kinds::ARRAY) {
                    found.errors.push(
                        Diagnostic::new(
                            span,
                            format!(
                                "`map` with {n} argnames ({list}) needs each element to be a list of {n} values, but {what} {}.",
                                element.display()
                            ),
                        )
                        .help("Use one argname, or map over a list of tuples (e.g. `list[tuple[int, int]]`)."),
                    );
                    return;
                }
                for alt in element.alternatives() {
                    let Elements::Tuple(parts) = alt.elements() else {
                        continue;
                    };
                    if parts.len() != n {
                        found.errors.push(
                            Diagnostic::new(
                                span,
                                format!(
                                    "`map` with {n} argnames ({list}) needs each element to be a list of {n} values, but {what} {} ({} values).",
                                    alt.display(),
                                    parts.len()
                                ),
                            )
                            .help("Name one argname per value of each element."),
                        );
                        continue;
                    }
                    for (name, part) in names.iter().zip(parts) {
                        let what = format!("the `{}` value of {what}", name.value);
                        self.fits(&name.value, part, &what, span, found);
                    }
                }
            }
        }
    }

    /// A value of type `value` lands in parameter `name`.
    fn fits(
        &self,
        name: &str,
        value: Typed,
        what: &str,
        span: crate::yaml::Span,
        found: &mut Found,
    ) {
        let Some((param, _)) = self.parameter(name) else {
            return;
        };
        let param = Typed::of(param);
        if let Some(misfit) = misfit(value, param) {
            self.report_misfit(
                misfit,
                (what, value),
                (name, param),
                span,
                "Map over values of the parameter's type, or change one of the two annotations so they agree.",
                found,
            );
        }
    }

    /// A value (`what` it is, and its type) that does not fit parameter `name`: an error when
    /// certain, else a finding of the misfit's lint. Says where inside the value it fails.
    fn report_misfit(
        &self,
        misfit: Misfit,
        (what, value): (&str, Typed),
        (name, param): (&str, Typed),
        span: crate::yaml::Span,
        help: &str,
        found: &mut Found,
    ) {
        let mut message = format!(
            "Type mismatch: {what} {}, but {} takes {}.",
            value.display(),
            self.parameter_label(name),
            param.display()
        );
        let outer = format!("{} cannot be {}", value.display(), param.display());
        if !misfit.path.is_empty() {
            message.push_str(&format!(" At `{}`: {}.", misfit.path, misfit.detail));
        } else if misfit.detail != outer {
            message.push_str(&format!(" {}.", upper_first(&misfit.detail)));
        }
        let diagnostic = Diagnostic::new(span, message).help(help);
        match misfit.lint {
            None => found.errors.push(diagnostic),
            Some(lint) => found.findings.push(Finding {
                lint,
                instance: self.consumer.def.id.value.clone(),
                diagnostic,
            }),
        }
    }

    /// The key schema of the pairs a `mapvalues` iterates, when known.
    fn upstream_pair_key(&self, op: &MapOp) -> Option<Json> {
        let out = self.upstream(&op.argvalues.first()?.value)?;
        let schema = out.schema.as_ref()?;
        let root = Typed::of(Some(schema));
        let Elements::Uniform(pair) = root.elements() else {
            return None;
        };
        let Elements::Tuple(parts) = pair.elements() else {
            return None;
        };
        let [key, _] = parts.as_slice() else {
            return None;
        };
        // Only a self-contained key type travels (a `$ref` would lose its `$defs`).
        let key = key.schema().clone();
        (!key.to_string().contains("$ref")).then_some(key)
    }

    fn mapvalues(&self, op: &MapOp, found: &mut Found) {
        let Some(v) = op.argvalues.first() else {
            return;
        };
        if op.argvalues_is_list {
            return;
        }
        let Some(Fanned {
            schema,
            label,
            task,
        }) = self.fanned(&v.value)
        else {
            return;
        };
        let produced = Typed::of(Some(&schema));
        let kinds = produced.kinds();
        if !kinds.intersects(Kinds::ARRAY) {
            let mut d = Diagnostic::new(
                v.span,
                format!(
                    "`mapvalues` iterates over a list of [key, value] pairs, but {label} {}.",
                    produced.display()
                ),
            );
            d = if kinds.intersects(Kinds::OBJECT) {
                d.help(format!(
                    "A `dict[str, X]` is a JSON object, not a list of pairs: return `list[tuple[str, X]]` from `{}` (e.g. `list(mapping.items())`).",
                    task.as_deref().unwrap_or("the task")
                ))
            } else {
                d.help("Map over a task that returns `list[tuple[key, value]]`.")
            };
            found.errors.push(d);
            return;
        }
        for alt in produced.alternatives() {
            let Elements::Uniform(pair) = alt.elements() else {
                continue;
            };
            let pair_kinds = pair.kinds();
            let parts = match pair.elements() {
                Elements::Tuple(parts) if parts.len() == 2 => Some(parts),
                Elements::Unknown | Elements::Uniform(_) if pair_kinds.intersects(Kinds::ARRAY) => {
                    None
                }
                _ => {
                    found.errors.push(
                        Diagnostic::new(
                            v.span,
                            format!(
                                "`mapvalues` iterates over [key, value] pairs, but each element of what {label} is {}.",
                                pair.display()
                            ),
                        )
                        .help("Map over a task that returns `list[tuple[key, value]]`, or use `map`."),
                    );
                    continue;
                }
            };
            if let (Some(parts), [name]) = (parts, op.argnames.as_slice()) {
                let what = format!("the value of each pair {label} is");
                self.fits(&name.value, parts[1], &what, v.span, found);
            }
        }
    }
}

/// `text` with its first letter in upper case (a detail that starts a sentence).
fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
