//! One snapshot per validation rule: each bad spec must get a located, actionable error.

use wt::check::check_text;
use wt::contracts::{RegistryOutput, Signatures};
use wt::spec::lints::{Level, Lint, LintLevels};

fn registry() -> RegistryOutput {
    let text = include_str!("fixtures/example-registry.json");
    let mut reg: RegistryOutput = serde_json::from_str(text).unwrap();
    // A second `add` in another module, to exercise ambiguous bare names.
    let mut other = reg.entries["wt_example_tasks.tasks.add"].clone();
    other.module_path = "other_tasks.math".into();
    other.public_module_path = "other_tasks.math".into();
    reg.entries.insert("other_tasks.math.add".into(), other);
    reg
}

/// The signatures discovery reads from the example library (`wt tasks --signatures`).
fn signatures() -> Signatures {
    let mut sigs: Signatures =
        serde_json::from_str(include_str!("fixtures/example-signatures.json")).unwrap();
    let add = sigs.tasks["wt_example_tasks.tasks.add"].clone();
    sigs.tasks.insert("other_tasks.math.add".into(), add);
    sigs
}

const HEAD: &str = "id: demo\nrequirements: []\n";

fn errors(body: &str) -> String {
    let text = format!("{HEAD}{body}");
    match check_text(
        "workflows/demo/spec.yaml",
        &text,
        &registry(),
        &signatures(),
        &Default::default(),
    ) {
        Ok(_) => panic!("spec unexpectedly valid:\n{text}"),
        Err(rendered) => rendered,
    }
}

fn errors_full(text: &str) -> String {
    match check_text(
        "workflows/demo/spec.yaml",
        text,
        &registry(),
        &signatures(),
        &Default::default(),
    ) {
        Ok(_) => panic!("spec unexpectedly valid:\n{text}"),
        Err(rendered) => rendered,
    }
}

macro_rules! rule {
    ($name:ident, $body:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(errors($body));
        }
    };
}

macro_rules! rule_full {
    ($name:ident, $text:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(errors_full($text));
        }
    };
}

rule_full!(yaml_syntax_error, "id: demo\nworkflow: [\n  - id: a\n");
rule_full!(root_not_a_mapping, "- id: a\n");
rule_full!(missing_requirements_and_workflow, "id: demo\n");
rule_full!(
    unknown_top_level_key,
    "id: demo\nrequirements: []\nworkflows: []\nworkflow: []\n"
);
rule_full!(
    spec_id_not_identifier,
    "id: add-then-double\nrequirements: []\nworkflow: []\n"
);
rule_full!(
    spec_id_keyword,
    "id: lambda\nrequirements: []\nworkflow: []\n"
);
rule_full!(
    spec_id_too_long,
    &format!("id: {}\nrequirements: []\nworkflow: []\n", "w".repeat(65))
);
rule!(
    instance_id_not_identifier,
    "workflow:\n  - id: 2nd\n    task: double\n"
);
rule!(
    instance_id_keyword,
    "workflow:\n  - id: class\n    task: double\n"
);
rule!(
    instance_id_builtin,
    "workflow:\n  - id: sum\n    task: double\n"
);
rule!(
    instance_id_too_long,
    "workflow:\n  - id: a_very_long_identifier_over_32_chars\n    task: double\n"
);
rule!(
    instance_id_is_task_name,
    "workflow:\n  - id: double\n    task: power\n"
);
rule!(
    instance_id_reserved_by_generated_code,
    "workflow:\n  - id: params\n    task: double\n"
);
rule!(
    instance_id_same_as_spec_id,
    "workflow:\n  - id: demo\n    task: double\n"
);
rule!(
    duplicate_instance_ids,
    "workflow:\n  - id: a\n    task: double\n  - id: a\n    task: double\n"
);
rule!(
    unknown_instance_key,
    "workflow:\n  - id: a\n    task: double\n    partials:\n      a: 1\n"
);
rule!(missing_task, "workflow:\n  - id: a\n    name: A\n");
rule!(
    unknown_task_with_suggestion,
    "workflow:\n  - id: a\n    task: dobule\n"
);
rule!(
    unknown_task_in_module,
    "workflow:\n  - id: a\n    task: wt_example_tasks.tasks.dbl\n"
);
rule!(
    task_in_wrong_module,
    "workflow:\n  - id: a\n    task: wt_example_tasks.other.double\n"
);
rule!(
    ambiguous_bare_task_name,
    "workflow:\n  - id: a\n    task: add\n"
);
rule!(
    invalid_importable_reference,
    "workflow:\n  - id: a\n    task: wt-example.tasks.add\n"
);
rule!(
    unknown_reference_with_suggestion,
    "workflow:\n  - id: first\n    task: double\n  - id: second\n    task: double\n    partial:\n      n: ${{ workflow.frist.return }}\n"
);
rule!(
    self_reference,
    "workflow:\n  - id: a\n    task: double\n    partial:\n      n: ${{ workflow.a.return }}\n"
);
rule!(
    not_topological,
    "workflow:\n  - id: a\n    task: double\n    partial:\n      n: ${{ workflow.b.return }}\n  - id: b\n    task: double\n"
);
rule!(
    bad_variable_suffix,
    "workflow:\n  - id: a\n    task: double\n  - id: b\n    task: double\n    partial:\n      n: ${{ workflow.a.output }}\n"
);
rule!(
    unrecognized_variable,
    "workflow:\n  - id: a\n    task: double\n    partial:\n      n: ${{ secrets.TOKEN }}\n"
);
rule!(
    bad_env_name,
    "workflow:\n  - id: a\n    task: double\n    partial:\n      n: ${{ env.1BAD }}\n"
);
rule!(
    partial_key_not_a_parameter,
    "workflow:\n  - id: a\n    task: double\n    partial:\n      m: 1\n"
);
rule!(
    partial_key_not_identifier,
    "workflow:\n  - id: a\n    task: double\n    partial:\n      n-1: 1\n"
);
rule!(
    map_argname_not_a_parameter,
    "workflow:\n  - id: p\n    task: make_pairs\n  - id: a\n    task: power\n    map:\n      argnames: [base, exp]\n      argvalues: ${{ workflow.p.return }}\n"
);
rule!(
    map_literal_argvalues,
    "workflow:\n  - id: a\n    task: double\n    map:\n      argnames: n\n      argvalues: [1, 2, 3]\n"
);
rule!(
    map_bare_string_argvalues,
    "workflow:\n  - id: a\n    task: double\n    map:\n      argnames: n\n      argvalues: numbers\n"
);
rule!(
    map_missing_argvalues,
    "workflow:\n  - id: a\n    task: double\n    map:\n      argnames: n\n"
);
rule!(
    map_and_mapvalues,
    "workflow:\n  - id: p\n    task: keyed_scores\n  - id: a\n    task: scale\n    map:\n      argnames: score\n      argvalues: ${{ workflow.p.return }}\n    mapvalues:\n      argnames: score\n      argvalues: ${{ workflow.p.return }}\n"
);
rule!(
    argument_bound_twice,
    "workflow:\n  - id: p\n    task: keyed_scores\n  - id: a\n    task: scale\n    partial:\n      score: 1\n    mapvalues:\n      argnames: score\n      argvalues: ${{ workflow.p.return }}\n"
);
rule!(
    unknown_skipif_condition,
    "workflow:\n  - id: a\n    task: double\n    skipif:\n      conditions: [any_negatve]\n"
);
rule!(
    bad_unpack_depth,
    "workflow:\n  - id: a\n    task: double\n    skipif:\n      conditions: [never]\n      unpack_depth: deep\n"
);
rule!(
    unknown_default_skipif_condition,
    "task-instance-defaults:\n  skipif:\n    conditions: [allways]\nworkflow:\n  - id: a\n    task: double\n"
);
rule!(
    duplicate_group_titles,
    "workflow:\n  - type: task-group\n    title: Inputs\n    description: x\n    tasks:\n      - id: a\n        task: double\n  - type: task-group\n    title: Inputs\n    description: y\n    tasks:\n      - id: b\n        task: double\n"
);
rule!(
    group_title_collides_with_task_id,
    "workflow:\n  - id: a\n    task: double\n  - type: task-group\n    title: a\n    description: x\n    tasks:\n      - id: b\n        task: double\n"
);
rule!(
    nested_group,
    "workflow:\n  - type: task-group\n    title: Outer\n    description: x\n    tasks:\n      - type: task-group\n        title: Inner\n        description: y\n        tasks: []\n"
);
rule!(
    unknown_entry_type,
    "workflow:\n  - type: task-grup\n    title: x\n"
);
rule!(workflow_entry_not_mapping, "workflow:\n  - double\n");
rule_full!(
    conda_requirement_unknown_channel,
    "id: demo\nrequirements:\n  - name: numpy\n    version: \">=1\"\n    channel: conda-forg\nworkflow: []\n"
);
rule_full!(
    conda_requirement_invalid_version,
    "id: demo\nrequirements:\n  - name: numpy\n    version: \">=1,,<<2\"\n    channel: conda-forge\nworkflow: []\n"
);
rule_full!(
    conda_requirement_invalid_match_spec,
    "id: demo\nrequirements:\n  - requirement: \"conda-forge::numpy >=1 [[\"\nworkflow: []\n"
);
rule_full!(
    conda_requirement_missing_version,
    "id: demo\nrequirements:\n  - name: numpy\nworkflow: []\n"
);
rule_full!(
    requirement_bare_string,
    "id: demo\nrequirements:\n  - numpy\nworkflow: []\n"
);
rule_full!(
    pypi_two_sources,
    "id: demo\nrequirements:\n  - name: tasks\n    path: ../tasks\n    git: https://example.org/tasks.git\nworkflow: []\n"
);
rule_full!(
    pypi_rev_without_git,
    "id: demo\nrequirements:\n  - name: tasks\n    url: https://example.org/t.whl\n    rev: abc\nworkflow: []\n"
);
rule_full!(
    pypi_subdirectory_without_git,
    "id: demo\nrequirements:\n  - name: tasks\n    url: https://example.org/t.tar.gz\n    subdirectory: lib\nworkflow: []\n"
);
rule_full!(
    pypi_two_revisions,
    "id: demo\nrequirements:\n  - name: tasks\n    git: https://example.org/tasks.git\n    rev: abc\n    tag: v1\nworkflow: []\n"
);
rule_full!(
    pypi_editable_without_path,
    "id: demo\nrequirements:\n  - name: tasks\n    git: https://example.org/tasks.git\n    editable: true\nworkflow: []\n"
);
rule_full!(
    pypi_file_url_path,
    "id: demo\nrequirements:\n  - name: tasks\n    path: file:///home/me/tasks\nworkflow: []\n"
);
rule_full!(
    metadata_incomplete,
    "id: demo\nrequirements: []\nmetadata:\n  name: Demo\n  maintainers: []\nworkflow: []\n"
);
rule_full!(
    unknown_rjsf_override_section,
    "id: demo\nrequirements: []\nrjsf-overrides:\n  definitions:\n    A.title: x\nworkflow: []\n"
);
rule!(
    many_errors_at_once,
    "workflow:\n  - id: class\n    task: dobule\n  - id: b\n    task: double\n    partial:\n      n: ${{ workflow.c.return }}\n      m: 2\n"
);

#[test]
fn valid_specs_pass() {
    let text = std::fs::read_to_string("workflows/fan_out/spec.yaml").unwrap();
    let mut reg = registry();
    reg.entries.shift_remove("other_tasks.math.add");
    let wf = check_text("spec.yaml", &text, &reg, &signatures(), &Default::default())
        .expect("fan_out is valid")
        .workflow;
    assert_eq!(wf.instances.len(), 7);
    assert_eq!(wf.instances[1].dependencies, vec!["pairs".to_string()]);
    assert_eq!(
        wf.instances[1].task.importable_reference,
        "wt_example_tasks.tasks.power"
    );
}

// ---------------------------------------------------------------------------------------------
// Hidden parameters (`Field(exclude=True)`) and edge types, from the introspected signatures

rule!(
    hidden_required_parameter_unbound,
    "workflow:\n  - id: split\n    task: split_by_animal\n"
);
rule!(
    misspelled_hidden_parameter,
    "workflow:\n  - id: fixes\n    task: get_fixes\n  - id: layer\n    task: create_map_layer\n    partial:\n      geodatafrme: ${{ workflow.fixes.return }}\n"
);
rule!(
    map_over_a_number,
    "workflow:\n  - id: total\n    task: add\n  - id: doubled\n    task: double\n    map:\n      argnames: n\n      argvalues: ${{ workflow.total.return }}\n"
);
rule!(
    mapvalues_over_a_dict,
    "workflow:\n  - id: scores\n    task: keyed_scores\n  - id: by_name\n    task: to_mapping\n    partial:\n      pairs: ${{ workflow.scores.return }}\n  - id: scaled\n    task: scale\n    mapvalues:\n      argnames: score\n      argvalues: ${{ workflow.by_name.return }}\n"
);
rule!(
    mapvalues_over_values_not_pairs,
    "workflow:\n  - id: readings\n    task: fetch_readings\n  - id: scaled\n    task: scale\n    mapvalues:\n      argnames: score\n      argvalues: ${{ workflow.readings.return }}\n"
);
rule!(
    mapvalues_value_type_mismatch,
    "workflow:\n  - id: scores\n    task: keyed_scores\n  - id: lengths\n    task: track_length\n    mapvalues:\n      argnames: fixes\n      argvalues: ${{ workflow.scores.return }}\n"
);
rule!(
    map_argnames_over_items_that_are_not_lists,
    "workflow:\n  - id: readings\n    task: fetch_readings\n  - id: powers\n    task: power\n    map:\n      argnames: [base, exponent]\n      argvalues: ${{ workflow.readings.return }}\n"
);
rule!(
    map_argnames_count_differs_from_item_length,
    "workflow:\n  - id: fixes\n    task: get_fixes\n  - id: groups\n    task: split_by_animal\n    partial:\n      fixes: ${{ workflow.fixes.return }}\n  - id: layers\n    task: create_map_layer\n    map:\n      argnames: [legend, geodataframe, layer_style]\n      argvalues: ${{ workflow.groups.return }}\n"
);
rule!(
    map_item_value_type_mismatch,
    "workflow:\n  - id: scores\n    task: keyed_scores\n  - id: powers\n    task: power\n    map:\n      argnames: [base, exponent]\n      argvalues: ${{ workflow.scores.return }}\n"
);
rule!(
    partial_string_into_integer,
    "workflow:\n  - id: label\n    task: describe\n  - id: doubled\n    task: double\n    partial:\n      n: ${{ workflow.label.return }}\n"
);
rule!(
    partial_object_into_array,
    "workflow:\n  - id: scores\n    task: keyed_scores\n  - id: by_name\n    task: to_mapping\n    partial:\n      pairs: ${{ workflow.scores.return }}\n  - id: total\n    task: sum_values\n    partial:\n      values: ${{ workflow.by_name.return }}\n"
);

/// A skippable upstream feeding a task that cannot take the skip sentinel fails only when the
/// skip fires, so it is the `skip-flow` lint: a warning by default.
const SKIP_FLOW: &str = "task-instance-defaults:\n  skipif:\n    conditions: [any_negative]\nworkflow:\n  - id: total\n    task: clamp\n  - id: doubled\n    task: double\n    skipif:\n      conditions: []\n    partial:\n      n: ${{ workflow.total.return }}\n";

fn checked(body: &str, levels: &LintLevels) -> Result<wt::check::Checked, String> {
    let text = format!("{HEAD}{body}");
    check_text(
        "workflows/demo/spec.yaml",
        &text,
        &registry(),
        &signatures(),
        levels,
    )
}

#[test]
fn skip_flow_warns_by_default() {
    let warnings = checked(SKIP_FLOW, &LintLevels::new())
        .expect("a warning does not stop the build")
        .warnings;
    insta::assert_snapshot!(warnings);
}

#[test]
fn skip_flow_denied_by_the_workspace_is_an_error() {
    let levels = LintLevels::from([(Lint::SkipFlow, Level::Deny)]);
    let Err(errors) = checked(SKIP_FLOW, &levels) else {
        panic!("a denied lint must stop the build");
    };
    insta::assert_snapshot!(errors);
}

#[test]
fn skip_flow_allowed_by_the_workspace_or_the_instance_is_silent() {
    let allow = LintLevels::from([(Lint::SkipFlow, Level::Allow)]);
    assert_eq!(checked(SKIP_FLOW, &allow).unwrap().warnings, "");
    // The instance's own level wins over the workspace's.
    let deny = LintLevels::from([(Lint::SkipFlow, Level::Deny)]);
    let own = SKIP_FLOW.replace(
        "    task: double\n",
        "    task: double\n    lints:\n      skip-flow: allow\n",
    );
    assert_eq!(checked(&own, &deny).unwrap().warnings, "");
    // And an instance may deny what the workspace allows.
    let own = SKIP_FLOW.replace(
        "    task: double\n",
        "    task: double\n    lints: {skip-flow: deny}\n",
    );
    let Err(errors) = checked(&own, &allow) else {
        panic!("the instance denies it");
    };
    assert!(
        errors.contains("denied by this task instance's `lints:`"),
        "{errors}"
    );
}

rule!(
    unknown_lint_on_an_instance,
    "workflow:\n  - id: a\n    task: double\n    lints:\n      skip-flwo: allow\n"
);
rule!(
    unknown_lint_level,
    "workflow:\n  - id: a\n    task: double\n    lints: {skip-flow: ignore}\n"
);
rule!(
    lints_not_a_mapping,
    "workflow:\n  - id: a\n    task: double\n    lints: [skip-flow]\n"
);

rule!(
    list_of_tuples_into_a_list_of_models,
    "workflow:\n  - id: scores\n    task: keyed_scores\n  - id: tracks\n    task: split_by_animal\n    partial:\n      fixes: ${{ workflow.scores.return }}\n"
);
rule!(
    tuple_element_of_another_type,
    "workflow:\n  - id: pairs\n    task: make_pairs\n  - id: by_name\n    task: to_mapping\n    partial:\n      pairs: ${{ workflow.pairs.return }}\n"
);

rule!(
    literal_of_the_wrong_type,
    "workflow:\n  - id: doubled\n    task: double\n    partial:\n      n: two\n"
);
rule!(
    literal_list_of_the_wrong_shape,
    "workflow:\n  - id: mapping\n    task: to_mapping\n    partial:\n      pairs:\n        - [a, 1]\n        - {name: b, score: 2}\n"
);

/// Literals pydantic converts (lax mode) compile: a string of digits for an `int`.
#[test]
fn literals_pydantic_accepts_pass() {
    let body = "workflow:\n  - id: doubled\n    task: double\n    partial:\n      n: \"21\"\n  - id: total\n    task: sum_values\n    partial:\n      values: [1, \"2\", 3.0]\n";
    let mut reg = registry();
    reg.entries.shift_remove("other_tasks.math.add");
    check_text(
        "spec.yaml",
        &format!("{HEAD}{body}"),
        &reg,
        &signatures(),
        &Default::default(),
    )
    .expect("valid");
}

/// Edges whose types agree compile: `Optional` and `SkippedDependencyFallback` parameters, a
/// `$ref` to the same model on both sides, pairs fed to `mapvalues` and tuples to `map`,
/// environment variables (strings that pydantic may coerce), and every example workflow.
#[test]
fn compatible_edges_pass() {
    let ok = |body: &str| {
        let text = format!("{HEAD}{body}");
        if let Err(e) = check_text(
            "spec.yaml",
            &text,
            &registry(),
            &signatures(),
            &Default::default(),
        ) {
            panic!("{text}\n{e}");
        }
    };
    ok(
        "workflow:\n  - id: total\n    task: sum_values\n  - id: s\n    task: summarize\n    partial:\n      powers: ${{ workflow.total.return }}\n",
    );
    ok("workflow:\n  - id: n\n    task: double\n    partial:\n      n: ${{ env.COUNT }}\n");
    ok(
        "task-instance-defaults:\n  skipif:\n    conditions: [any_negative]\nworkflow:\n  - id: root\n    task: square_root\n  - id: label\n    task: describe\n    skipif:\n      conditions: []\n    partial:\n      value: ${{ workflow.root.return }}\n",
    );
    for name in [
        "add_then_double",
        "fan_out",
        "safe_sqrt",
        "station_report",
        "animal_tracks",
    ] {
        let text = std::fs::read_to_string(format!("workflows/{name}/spec.yaml")).unwrap();
        let mut reg = registry();
        reg.entries.shift_remove("other_tasks.math.add");
        if let Err(e) = check_text("spec.yaml", &text, &reg, &signatures(), &Default::default()) {
            panic!("{name}: {e}");
        }
    }
}

/// Without introspection output (a registry saved by another tool), the registry schema's
/// `properties` are the parameters, and no edge is type-checked.
#[test]
fn registry_alone_still_validates() {
    let text = std::fs::read_to_string("workflows/fan_out/spec.yaml").unwrap();
    let mut reg = registry();
    reg.entries.shift_remove("other_tasks.math.add");
    check_text(
        "spec.yaml",
        &text,
        &reg,
        &Signatures::default(),
        &Default::default(),
    )
    .expect("fan_out is valid");
}

/// Nine levels of nested aliases, each nine times the last (a "billion laughs" spec of under
/// 1 KiB): refused at the alias that crosses the expansion bound, without expanding it.
fn alias_bomb() -> String {
    let mut text = String::from("id: demo\nrequirements: []\nworkflow: []\nx0: &a0 [lol]\n");
    for level in 1..=9 {
        let refs = vec![format!("*a{}", level - 1); 9].join(", ");
        text.push_str(&format!("x{level}: &a{level} [{refs}]\n"));
    }
    text
}

rule_full!(
    pypi_extras_injecting_a_line,
    "id: demo\nrequirements:\n  - name: tasks\n    path: ../tasks\n    extras: [\"a]\\n-r /etc/passwd\\nx[b\"]\nworkflow: []\n"
);
rule_full!(
    pypi_git_url_running_a_command,
    "id: demo\nrequirements:\n  - name: tasks\n    git: \"ext::sh -c touch% /tmp/x\"\nworkflow: []\n"
);
rule_full!(
    pypi_name_version_and_revision_out_of_grammar,
    "id: demo\nrequirements:\n  - name: \"num py\"\n    url: https://example.org/x.whl\n    version: \">=1\\n-r x\"\n  - name: tasks\n    git: https://example.org/t.git\n    branch: \"--upload-pack=x\"\nworkflow: []\n"
);
rule_full!(
    nul_byte_in_the_spec,
    "id: demo\nrequirements: []\nworkflow:\n  - id: a\u{0}\n    task: add\n  - id: b\n    task: add\n"
);

/// A literal nested past the limit (here 10,000 levels, block style) is one located error,
/// not a stack overflow.
#[test]
fn nesting_past_the_limit_is_refused_with_its_location() {
    let mut text = String::from(
        "id: demo\nrequirements: []\nworkflow:\n  - id: a\n    task: add\n    partial:\n      a:\n",
    );
    for i in 0..10_000 {
        text.push_str(&" ".repeat(8 + 2 * i));
        text.push_str(if i == 9_999 { "- 1\n" } else { "-\n" });
    }
    insta::assert_snapshot!(errors_full(&text));
}

#[test]
fn alias_bomb_is_refused_with_its_location() {
    insta::assert_snapshot!(errors_full(&alias_bomb()));
}
