import { type BenchContext, Section } from "./lib/report";
export async function runDataPlane(_ctx: BenchContext): Promise<Section> {
  const s = new Section("dataplane");
  s.missing("data plane", "-", "-", "not written yet");
  return s;
}
