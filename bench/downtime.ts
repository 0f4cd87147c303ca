import { type BenchContext, Section } from "./lib/report";
export async function runDowntime(_ctx: BenchContext): Promise<Section> {
  const s = new Section("downtime");
  s.missing("zero downtime", "-", "-", "not written yet");
  return s;
}
