// The pieces of the run view that need no browser: tracebacks read as frames, the author's
// own first, and a DAG in layers.

import { test } from "node:test";
import assert from "node:assert/strict";
import { framesOf, ownFrames } from "../src/trace.js";
import { layersOf } from "../src/dag.js";

const TRACE = `Traceback (most recent call last):
  File "/env/lib/python3.11/site-packages/wt_task/sync_task.py", line 120, in call
    return self.func(**kwargs)
           ^^^^^^^^^^^^^^^^^^^
  File "/env/lib/python3.11/site-packages/launchpad_tasks/__init__.py", line 9, in fail
    raise ValueError(msg)
ValueError: the river is dry

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/ws/wt_failing_workflow/scheduler.py", line 200, in _run_one
    out = t.call()
  File "/env/lib/python3.11/concurrent/futures/thread.py", line 58, in run
    result = self.fn(*self.args, **self.kwargs)
  File "<frozen importlib._bootstrap>", line 1, in _find
  File "/env/lib/python3.11/site-packages/launchpad_tasks/__init__.py", line 9, in fail
    raise ValueError(msg)
RuntimeError: Task instance 'step' raised ValueError`;

test("every frame of every chained traceback is read, with its code", () => {
  const frames = framesOf(TRACE);
  assert.equal(frames.length, 6);
  assert.deepEqual(frames[1], {
    file: "/env/lib/python3.11/site-packages/launchpad_tasks/__init__.py",
    line: 9,
    func: "fail",
    code: ["raise ValueError(msg)"],
  });
  assert.deepEqual(frames[0].code, ["return self.func(**kwargs)", "^^^^^^^^^^^^^^^^^^^"]);
});

test("the author's frames come out once; the framework's are counted", () => {
  const { own, folded } = ownFrames(TRACE, "wt_failing_workflow");
  assert.deepEqual(
    own.map((f) => `${f.func}:${f.line}`),
    ["fail:9"],
  );
  assert.equal(folded, 4);
  assert.deepEqual(ownFrames("", "x"), { own: [], folded: 0 });
});

test("a DAG is drawn in layers, each task below what it reads", () => {
  const tasks = [
    { id: "a", after: [] },
    { id: "b", after: [] },
    { id: "c", after: ["a"] },
    { id: "d", after: ["c", "b"] },
  ];
  assert.deepEqual(
    layersOf(tasks).map((l) => l.map((t) => t.id)),
    [["a", "b"], ["c"], ["d"]],
  );
});
