// A Python traceback read as frames, so a failure can show the task author's own code first
// and fold the frames of the framework around it (wt_task, pydantic, the generated workflow
// package, the standard library).

const FRAMEWORK = [
  /[\\/]site-packages[\\/](wt_task|wt_contracts|wt_registry|pydantic|pydantic_core|click|lithops|obstore|cloudpickle|ruamel)[\\/]/,
  /[\\/]lib[\\/]python3\.\d+[\\/](?!site-packages[\\/])/,
  /^<frozen /,
  /^<string>$/,
];

/** Every frame of `trace` (all chained tracebacks), in order: `{file, line, func, code}`. */
export function framesOf(trace) {
  const frames = [];
  let current = null;
  for (const line of (trace || "").split("\n")) {
    const m = /^\s*File "(.*)", line (\d+), in (.*)$/.exec(line);
    if (m) {
      current = { file: m[1], line: Number(m[2]), func: m[3], code: [] };
      frames.push(current);
    } else if (current && /^\s{4,}\S/.test(line)) {
      current.code.push(line.trim());
    } else {
      current = null;
    }
  }
  return frames;
}

/** Whether a frame's file is the framework's (or the generated package `packageName`'s). */
export function isFramework(file, packageName) {
  if (packageName && file.includes(`/${packageName}/`)) return true;
  return FRAMEWORK.some((re) => re.test(file));
}

/** The author's own frames (each once) and how many framework frames there were. */
export function ownFrames(trace, packageName) {
  const all = framesOf(trace);
  const seen = new Set();
  const own = [];
  for (const f of all) {
    if (isFramework(f.file, packageName)) continue;
    const key = `${f.file}:${f.line}:${f.func}`;
    if (seen.has(key)) continue;
    seen.add(key);
    own.push(f);
  }
  return { own, folded: all.filter((f) => isFramework(f.file, packageName)).length };
}
