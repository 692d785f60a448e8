import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/inventory.js';
import { Registry } from '../../src/registry/registry.js';
import { ToolSearch } from '../../src/search/search.js';

/**
 * Accuracy on the evaluation sets kept in the repository. Search learns from all of them
 * (data/search/examples.json) and most were seen while the engine was tuned, so these floors guard
 * against regressions; the per-kind floors score each set with a search that did not learn from it.
 * The honest measure is a set nobody has seen, scored by scripts/eval-search.mjs (aggregates only).
 * Figures and history: bench/README.md.
 */
interface Case {
  request: string;
  acceptable: string[];
  known_fields?: string;
}

function load(name: string): Case[] {
  const doc = JSON.parse(readFileSync(new URL(`./${name}`, import.meta.url), 'utf8'));
  const cases: Case[] = doc.cases.map((c: any) => ({ request: c.request ?? c.q, acceptable: c.acceptable ?? c.expect, known_fields: c.known_fields }));
  for (const key of Object.keys(doc).filter((k) => k.endsWith('negatives'))) for (const q of doc[key]) cases.push({ request: q, acceptable: [] });
  return cases;
}

const registry = loadRegistry();

/** SEARCH_TOOLS takes known fields as text ("sourceId:src_1"); the newer sets write an object. */
const knownText = (k: unknown): string | undefined =>
  k && typeof k === 'object' ? Object.entries(k as Record<string, unknown>).map(([n, v]) => `${n}:${String(v)}`).join(', ') : (k as string | undefined);

function score(search: ToolSearch, cases: Case[]) {
  const on = cases.filter((c) => c.acceptable.length);
  const off = cases.filter((c) => !c.acceptable.length);
  let top1 = 0;
  let top3 = 0;
  let empty = 0;
  for (const c of on) {
    const got = search.search({ use_case: c.request, known_fields: c.known_fields }).primary_tool_slugs;
    const rank = got.findIndex((s) => c.acceptable.includes(s));
    if (rank === 0) top1++;
    if (rank >= 0 && rank < 3) top3++;
    if (!got.length) empty++;
  }
  const quiet = off.filter((c) => search.search({ use_case: c.request }).primary_tool_slugs.length === 0).length;
  return { top1: on.length ? top1 / on.length : 1, top3: on.length ? top3 / on.length : 1, empty: on.length ? empty / on.length : 0, offtopicEmpty: off.length ? quiet / off.length : 1 };
}

describe('search accuracy on the sets in the repository', () => {
  // Each test computes for seconds without giving the event loop a turn, and between tests the runner
  // only awaits settled promises: over a file of more than 60 s, the worker's report to vitest went
  // unanswered that long and failed the run ("Timeout calling onTaskUpdate"). A turn before each test.
  beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

  it('names only real tools', () => {
    for (const name of ['eval-set.json', 'blind-set.json', 'dev-A.json', 'heldout-A.json', 'heldout-B.json', 'dev-C.json', 'heldout-C.json', 'heldout-D.json', 'heldout-E.json', 'heldout-F.json', 'heldout-G.json', 'heldout-H.json', 'heldout-I.json', 'heldout-J.json', 'heldout-K.json', 'heldout-L.json', 'heldout-M.json', 'heldout-N.json', 'heldout-O.json', 'heldout-P.json', 'heldout-Q.json', 'heldout-R.json', 'heldout-S.json', 'heldout-T.json', 'heldout-U.json', 'heldout-V.json', 'heldout-W.json', 'heldout-X.json', 'heldout-Y.json', 'heldout-Z.json', 'heldout-AA.json', 'heldout-AB.json', 'heldout-AC.json', 'heldout-AD.json', 'heldout-AF.json', 'heldout-AE.json', 'heldout-AG.json', 'heldout-AH.json', 'heldout-AI.json', 'heldout-AJ.json', 'heldout-AL.json', 'heldout-AK.json', 'heldout-AM.json', 'heldout-AN.json', 'heldout-AO.json', 'heldout-AP.json', 'heldout-AQ.json', 'heldout-AR.json', 'heldout-AS.json', 'heldout-AT.json', 'heldout-AU.json', 'heldout-AV.json', 'heldout-AW.json', 'heldout-AX.json', 'heldout-AY.json', 'heldout-AZ.json', 'heldout-BA.json', 'heldout-BB.json', 'heldout-BC.json', 'heldout-BD.json', 'heldout-BE.json', 'heldout-BF.json', 'heldout-BG.json', 'heldout-BH.json', 'heldout-BI.json', 'heldout-BJ.json', 'heldout-BK.json', 'heldout-BL.json', 'heldout-BM.json', 'heldout-BN.json', 'heldout-BO.json', 'heldout-BP.json', 'heldout-BQ.json', 'heldout-BR.json', 'heldout-BS.json', 'heldout-BT.json', 'heldout-BU.json', 'heldout-BV.json', 'heldout-BW.json', 'heldout-BX.json', 'heldout-BY.json', 'heldout-BZ.json', 'heldout-CA.json', 'heldout-CB.json', 'heldout-CC.json', 'heldout-CD.json', 'heldout-CE.json', 'heldout-CF.json', 'heldout-CG.json', 'heldout-CH.json', 'heldout-CI.json', 'heldout-CJ.json', 'heldout-CK.json', 'heldout-CL.json', 'heldout-CM.json', 'heldout-CN.json', 'heldout-CO.json', 'heldout-CP.json', 'heldout-CQ.json', 'heldout-CR.json', 'heldout-CS.json', 'heldout-CT.json', 'heldout-CU.json', 'heldout-CV.json', 'heldout-CW.json', 'heldout-CX.json', 'heldout-CY.json', 'heldout-CZ.json', 'heldout-DA.json', 'heldout-DB.json', 'heldout-DC.json', 'heldout-DD.json', 'heldout-DG.json', 'heldout-DH.json', 'heldout-DE.json', 'heldout-DF.json']) for (const c of load(name)) for (const s of c.acceptable) expect(registry.get(s), s).toBeDefined();
  });

  it('holds its floors on the eval set (696 requests, 36 off-topic)', () => {
    const s = score(new ToolSearch(registry), load('eval-set.json'));
    console.log('eval-set', s);
    expect(s.top1).toBeGreaterThanOrEqual(0.78);
    expect(s.top3).toBeGreaterThanOrEqual(0.92);
    expect(s.empty).toBeLessThanOrEqual(0.02);
    expect(s.offtopicEmpty).toBeGreaterThanOrEqual(0.72);
  });

  it('holds its floors on the older blind set (120 requests, 8 off-topic)', () => {
    const s = score(new ToolSearch(registry), load('blind-set.json'));
    console.log('blind-set', s);
    expect(s.top1).toBeGreaterThanOrEqual(0.84);
    expect(s.top3).toBeGreaterThanOrEqual(0.96);
    expect(s.empty).toBeLessThanOrEqual(0.02);
  });

  // Search learns from every labelled set (data/search/examples.json); each set here is scored by a
  // search that learned from all the others, so these figures are on requests it has not seen.
  // Floors just under today's figures: search is deterministic, so a drop is a change, not noise.
  // One test a set: each builds its own index, and a worker busy for long is a worker that looks hung.
  const floors: Record<string, Record<string, [number, number]>> = {
    'heldout-A.json': { agent: [0.98, 0.98], multistep: [0.86, 0.97], person: [0.93, 1], typo: [0.96, 0.98] },
    'heldout-B.json': { agent: [1, 1], multistep: [0.9, 0.96], person: [0.93, 1], typo: [0.95, 1] },
    'dev-C.json': { agent: [1, 1], multistep: [0.83, 0.97], person: [0.92, 0.98], typo: [0.91, 1] },
    'heldout-C.json': { agent: [1, 1], multistep: [0.71, 1], person: [0.79, 0.9], typo: [0.96, 0.96] },
    'heldout-D.json': { agent: [0.98, 1], multistep: [0.88, 0.96], person: [0.89, 0.97], typo: [1, 1] },
    'heldout-E.json': { agent: [0.96, 1], multistep: [0.82, 0.92], person: [0.88, 0.99], typo: [0.94, 1] },
    'heldout-F.json': { agent: [0.89, 0.96], multistep: [0.89, 1], person: [0.92, 0.99], typo: [0.91, 0.97] },
    'heldout-G.json': { agent: [0.94, 1], multistep: [0.94, 1], person: [0.83, 0.92], typo: [0.97, 1] },
    'heldout-H.json': { agent: [1, 1], multistep: [0.85, 0.98], person: [0.93, 0.98], typo: [0.94, 1] },
    'heldout-I.json': { agent: [0.97, 1], multistep: [0.9, 1], person: [0.85, 0.95], typo: [0.9, 0.93] },
    'heldout-J.json': { agent: [1, 1], multistep: [0.85, 0.96], person: [0.82, 0.94], typo: [0.94, 0.97] },
    'heldout-K.json': { agent: [1, 1], multistep: [0.88, 1], person: [0.92, 0.98], typo: [0.97, 0.97] },
    'heldout-L.json': { agent: [1, 1], multistep: [0.78, 0.92], person: [0.86, 0.97], typo: [1, 1] },
    'heldout-M.json': { agent: [1, 1], multistep: [0.88, 0.98], person: [0.91, 0.98], typo: [0.89, 0.94] },
    'heldout-N.json': { agent: [1, 1], multistep: [0.9, 0.98], person: [0.89, 0.98], typo: [0.97, 1] },
    'heldout-O.json': { agent: [1, 1], multistep: [0.83, 0.98], person: [0.9, 1], typo: [0.94, 0.97] },
    'heldout-P.json': { agent: [1, 1], multistep: [0.81, 0.94], person: [0.92, 0.98], typo: [0.97, 0.97] },
    'heldout-Q.json': { agent: [1, 1], multistep: [0.87, 0.94], person: [0.87, 0.94], typo: [1, 1] },
    'heldout-R.json': { agent: [0.98, 1], multistep: [0.83, 0.94], person: [0.9, 0.98], typo: [0.94, 0.97] },
    'heldout-S.json': { agent: [0.97, 1], multistep: [0.87, 1], person: [0.92, 1], typo: [0.88, 0.95] },
    'heldout-T.json': { agent: [0.98, 1], multistep: [0.89, 0.98], person: [0.78, 0.93], typo: [0.97, 1] },
    'heldout-U.json': { agent: [0.98, 1], multistep: [0.74, 0.94], person: [0.74, 0.88], typo: [1, 1] },
    'heldout-V.json': { agent: [0.97, 1], multistep: [0.8, 0.98], person: [0.83, 0.97], typo: [0.9, 0.95] },
    'heldout-X.json': { agent: [1, 1], multistep: [0.87, 0.96], person: [0.86, 0.96], typo: [0.94, 1] },
    'heldout-W.json': { agent: [0.98, 1], multistep: [0.82, 0.98], person: [0.75, 0.88], typo: [0.95, 1] },
    'heldout-Y.json': { agent: [1, 1], multistep: [0.78, 0.85], person: [0.88, 0.94], typo: [0.92, 1] },
    'heldout-Z.json': { agent: [1, 1], multistep: [0.76, 0.94], person: [0.84, 0.93], typo: [0.97, 1] },
    'heldout-AA.json': { agent: [1, 1], multistep: [0.75, 0.89], person: [0.84, 0.94], typo: [0.97, 1] },
    'heldout-AB.json': { agent: [1, 1], multistep: [0.82, 1], person: [0.86, 0.97], typo: [0.92, 0.97] },
    'heldout-AD.json': { agent: [1, 1], multistep: [0.84, 0.96], person: [0.83, 0.91], typo: [0.92, 0.97] },
    'heldout-AC.json': { agent: [1, 1], multistep: [0.63, 0.84], person: [0.88, 0.94], typo: [0.92, 0.95] },
    'heldout-AF.json': { agent: [1, 1], multistep: [0.81, 0.94], person: [0.84, 0.96], typo: [0.95, 1] },
    'heldout-AE.json': { agent: [1, 1], multistep: [0.92, 0.98], person: [0.92, 0.96], typo: [0.94, 0.97] },
    'heldout-AG.json': { agent: [0.98, 1], multistep: [0.85, 0.98], person: [0.88, 0.96], typo: [0.86, 0.97] },
    'heldout-AH.json': { agent: [1, 1], multistep: [0.81, 0.98], person: [0.87, 0.95], typo: [1, 1] },
    'heldout-AI.json': { agent: [1, 1], multistep: [0.89, 0.98], person: [0.85, 0.97], typo: [0.97, 1] },
    'heldout-AJ.json': { agent: [1, 1], multistep: [0.81, 1], person: [0.87, 0.96], typo: [0.94, 0.97] },
    'heldout-AL.json': { agent: [1, 1], multistep: [0.83, 0.94], person: [0.9, 0.96], typo: [1, 1] },
    'heldout-AK.json': { agent: [0.98, 1], multistep: [0.8, 0.96], person: [0.91, 0.97], typo: [0.92, 1] },
    'heldout-AM.json': { agent: [0.98, 1], multistep: [0.83, 0.98], person: [0.87, 0.98], typo: [0.92, 1] },
    'heldout-AN.json': { agent: [1, 1], multistep: [0.8, 1], person: [0.81, 0.93], typo: [0.95, 1] },
    'heldout-AO.json': { agent: [0.98, 1], multistep: [0.82, 0.96], person: [0.88, 0.97], typo: [0.97, 1] },
    'heldout-AP.json': { agent: [0.98, 1], multistep: [0.82, 1], person: [0.88, 0.97], typo: [0.94, 0.97] },
    'heldout-AQ.json': { agent: [1, 1], multistep: [0.92, 1], person: [0.88, 0.99], typo: [0.94, 1] },
    'heldout-AR.json': { agent: [1, 1], multistep: [0.9, 0.98], person: [0.9, 0.96], typo: [0.97, 0.97] },
    'heldout-AS.json': { agent: [0.98, 0.98], multistep: [0.76, 0.94], person: [0.82, 0.95], typo: [0.97, 1] },
    'heldout-AT.json': { agent: [1, 1], multistep: [0.93, 0.98], person: [0.88, 0.95], typo: [0.95, 0.97] },
    'heldout-AU.json': { agent: [0.98, 0.98], multistep: [0.89, 0.98], person: [0.87, 0.96], typo: [0.95, 1] },
    'heldout-AV.json': { agent: [0.96, 1], multistep: [0.89, 0.96], person: [0.84, 0.95], typo: [0.95, 0.95] },
    'heldout-AW.json': { agent: [0.98, 1], multistep: [0.65, 0.86], person: [0.85, 0.96], typo: [0.97, 1] },
    'heldout-AX.json': { agent: [0.97, 1], multistep: [0.91, 0.92], person: [0.91, 0.99], typo: [0.95, 1] },
    'heldout-AY.json': { agent: [1, 1], multistep: [0.84, 0.98], person: [0.89, 0.95], typo: [0.85, 0.95] },
    // 2026-12-07: SEGMENT_REPLACE_LABELS_IN_SOURCE became destructive (it drops the labels not listed), and a request
    // that names no operation weighs a destructive tool 0.75 against a write's 0.85 (search/weights.ts): one request of
    // AZ (multistep top-3 0.911 -> 0.893) and one of CS (person top-1 0.904 -> 0.896) moved. Floors lowered to what the
    // change measures, found by putting the old access back; nothing in search was changed for these sets.
    'heldout-AZ.json': { agent: [0.98, 1], multistep: [0.76, 0.89], person: [0.85, 0.97], typo: [0.97, 0.97] },
    'heldout-BA.json': { agent: [0.98, 0.98], multistep: [0.89, 0.94], person: [0.86, 0.96], typo: [0.92, 1] },
    'heldout-BB.json': { agent: [1, 1], multistep: [0.83, 0.96], person: [0.85, 0.94], typo: [0.94, 0.97] },
    'heldout-BC.json': { agent: [1, 1], multistep: [0.83, 1], person: [0.87, 0.95], typo: [0.95, 0.97] },
    'heldout-BD.json': { agent: [1, 1], multistep: [0.84, 0.96], person: [0.86, 0.98], typo: [0.97, 1] },
    'heldout-BE.json': { agent: [0.98, 1], multistep: [0.77, 0.89], person: [0.87, 0.97], typo: [0.95, 1] },
    'heldout-BF.json': { agent: [0.98, 1], multistep: [0.73, 0.96], person: [0.9, 0.96], typo: [0.97, 1] },
    'heldout-BG.json': { agent: [0.98, 1], multistep: [0.87, 1], person: [0.86, 0.94], typo: [0.9, 1] },
    'heldout-BH.json': { agent: [0.98, 1], multistep: [0.91, 0.96], person: [0.75, 0.9], typo: [0.95, 1] },
    'heldout-BI.json': { agent: [1, 1], multistep: [0.83, 0.91], person: [0.85, 0.95], typo: [0.88, 0.97] },
    'heldout-BJ.json': { agent: [0.96, 1], multistep: [0.81, 0.98], person: [0.8, 0.92], typo: [0.97, 1] },
    'heldout-BK.json': { agent: [1, 1], multistep: [0.8, 0.96], person: [0.83, 0.96], typo: [0.89, 0.97] },
    'heldout-BL.json': { agent: [1, 1], multistep: [0.82, 0.96], person: [0.85, 0.96], typo: [0.95, 1] },
    'heldout-BM.json': { agent: [1, 1], multistep: [0.92, 1], person: [0.89, 0.98], typo: [0.87, 1] },
    'heldout-BN.json': { agent: [1, 1], multistep: [0.87, 0.96], person: [0.89, 0.99], typo: [0.97, 1] },
    'heldout-BO.json': { agent: [0.98, 1], multistep: [0.85, 0.94], person: [0.89, 0.98], typo: [0.94, 1] },
    'heldout-BP.json': { agent: [0.96, 1], multistep: [0.74, 0.98], person: [0.78, 0.94], typo: [0.94, 0.97] },
    'heldout-BQ.json': { agent: [0.98, 1], multistep: [0.83, 0.96], person: [0.83, 0.98], typo: [0.94, 1] },
    'heldout-BR.json': { agent: [1, 1], multistep: [0.89, 0.94], person: [0.88, 0.98], typo: [0.92, 1] },
    'heldout-BS.json': { agent: [1, 1], multistep: [0.82, 0.96], person: [0.88, 0.97], typo: [0.95, 1] },
    'heldout-BT.json': { agent: [1, 1], multistep: [0.82, 0.98], person: [0.87, 0.96], typo: [0.92, 0.97] },
    'heldout-BU.json': { agent: [0.98, 0.98], multistep: [0.91, 1], person: [0.92, 0.98], typo: [0.89, 1] },
    'heldout-BV.json': { agent: [1, 1], multistep: [0.9, 0.98], person: [0.78, 0.92], typo: [0.94, 1] },
    'heldout-BW.json': { agent: [0.98, 1], multistep: [0.89, 0.94], person: [0.92, 0.96], typo: [0.97, 1] },
    'heldout-BX.json': { agent: [1, 1], multistep: [0.83, 0.98], person: [0.85, 0.95], typo: [0.84, 1] },
    'heldout-BY.json': { agent: [0.98, 0.98], multistep: [0.91, 0.98], person: [0.84, 0.95], typo: [1, 1] },
    'heldout-BZ.json': { agent: [1, 1], multistep: [0.85, 0.96], person: [0.87, 0.96], typo: [0.94, 0.97] },
    'heldout-CA.json': { agent: [0.98, 1], multistep: [0.92, 1], person: [0.87, 0.99], typo: [0.89, 1] },
    'heldout-CB.json': { agent: [1, 1], multistep: [0.83, 0.98], person: [0.85, 0.96], typo: [0.97, 1] },
    'heldout-CC.json': { agent: [1, 1], multistep: [0.91, 1], person: [0.9, 0.96], typo: [0.92, 0.97] },
    'heldout-CD.json': { agent: [0.98, 1], multistep: [0.87, 0.96], person: [0.89, 0.98], typo: [0.97, 1] },
    'heldout-CE.json': { agent: [0.98, 1], multistep: [0.85, 0.94], person: [0.9, 0.98], typo: [0.97, 0.97] },
    'heldout-CF.json': { agent: [1, 1], multistep: [0.94, 1], person: [0.87, 0.95], typo: [0.94, 1] },
    'heldout-CG.json': { agent: [0.98, 0.98], multistep: [0.84, 0.96], person: [0.91, 0.99], typo: [0.92, 0.97] },
    'heldout-CH.json': { agent: [0.96, 1], multistep: [0.92, 0.98], person: [0.89, 0.96], typo: [0.94, 1] },
    'heldout-CI.json': { agent: [0.98, 1], multistep: [0.98, 1], person: [0.92, 1], typo: [0.97, 0.97] },
    'heldout-CJ.json': { agent: [0.98, 1], multistep: [0.89, 0.98], person: [0.93, 1], typo: [0.97, 1] },
    'heldout-CK.json': { agent: [1, 1], multistep: [0.89, 0.98], person: [0.95, 0.99], typo: [0.81, 1] },
    'heldout-CL.json': { agent: [1, 1], multistep: [0.89, 0.98], person: [0.91, 0.98], typo: [0.89, 0.94] },
    'heldout-CM.json': { agent: [0.98, 1], multistep: [0.92, 0.98], person: [0.95, 0.98], typo: [0.97, 1] },
    'heldout-CN.json': { agent: [0.96, 1], multistep: [0.96, 1], person: [0.92, 0.99], typo: [0.94, 1] },
    'heldout-CO.json': { agent: [0.98, 1], multistep: [0.92, 1], person: [0.92, 1], typo: [0.84, 1] },
    'heldout-CP.json': { agent: [0.95, 1], multistep: [0.92, 0.98], person: [0.96, 0.99], typo: [0.94, 0.97] },
    'heldout-CQ.json': { agent: [0.98, 1], multistep: [0.87, 1], person: [0.96, 0.98], typo: [0.92, 0.94] },
    'heldout-CR.json': { agent: [0.98, 1], multistep: [0.91, 1], person: [0.95, 0.99], typo: [0.97, 1] },
    'heldout-CS.json': { agent: [0.96, 1], multistep: [0.85, 0.98], person: [0.89, 0.97], typo: [0.97, 1] },
    'heldout-CT.json': { agent: [0.96, 1], multistep: [0.83, 0.96], person: [0.94, 0.98], typo: [0.94, 1] },
    'heldout-CU.json': { agent: [0.98, 1], multistep: [0.85, 0.98], person: [0.88, 0.99], typo: [0.89, 0.97] },
    'heldout-CV.json': { agent: [0.96, 1], multistep: [0.98, 1], person: [0.85, 0.97], typo: [0.97, 1] },
    'heldout-CW.json': { agent: [0.96, 1], multistep: [0.89, 0.98], person: [0.92, 1], typo: [0.97, 1] },
    'heldout-CX.json': { agent: [0.95, 1], multistep: [0.91, 0.98], person: [0.91, 0.99], typo: [0.97, 1] },
    'heldout-CY.json': { agent: [0.98, 1], multistep: [0.9, 1], person: [0.94, 0.99], typo: [0.97, 1] },
    'heldout-CZ.json': { agent: [0.96, 1], multistep: [0.92, 1], person: [0.95, 0.99], typo: [0.95, 0.97] },
    'heldout-DA.json': { agent: [0.98, 1], multistep: [0.85, 0.96], person: [0.92, 0.99], typo: [0.92, 0.97] },
    'heldout-DB.json': { agent: [0.98, 1], multistep: [0.89, 1], person: [0.94, 0.98], typo: [0.94, 1] },
    'heldout-DC.json': { agent: [0.96, 1], multistep: [0.9, 1], person: [0.91, 0.98], typo: [1, 1] },
    'heldout-DD.json': { agent: [0.98, 1], multistep: [0.87, 1], person: [0.95, 1], typo: [0.89, 0.97] },
    'heldout-DG.json': { agent: [0.96, 1], multistep: [0.91, 0.98], person: [0.93, 0.98], typo: [0.94, 0.97] },
    'heldout-DH.json': { agent: [0.96, 1], multistep: [0.92, 1], person: [0.91, 1], typo: [0.97, 1] },
    'heldout-DE.json': { agent: [0.95, 1], multistep: [0.92, 1], person: [0.87, 0.98], typo: [0.97, 1] },
    'heldout-DF.json': { agent: [1, 1], multistep: [0.89, 0.98], person: [0.94, 0.99], typo: [0.94, 1] },
  };
  const offtopic: Record<string, number> = { 'heldout-A.json': 0.84, 'heldout-B.json': 0.95, 'dev-C.json': 1, 'heldout-C.json': 0.89, 'heldout-D.json': 0.93, 'heldout-E.json': 0.98, 'heldout-F.json': 0.89, 'heldout-G.json': 0.94, 'heldout-H.json': 0.94, 'heldout-I.json': 0.97, 'heldout-J.json': 0.88, 'heldout-K.json': 0.88, 'heldout-L.json': 0.93, 'heldout-M.json': 0.82, 'heldout-N.json': 0.87, 'heldout-O.json': 0.89, 'heldout-P.json': 0.89, 'heldout-Q.json': 0.8, 'heldout-R.json': 0.89, 'heldout-S.json': 0.91, 'heldout-T.json': 0.89, 'heldout-U.json': 0.87, 'heldout-V.json': 0.89, 'heldout-X.json': 0.82, 'heldout-W.json': 0.91, 'heldout-Y.json': 0.93, 'heldout-Z.json': 0.89, 'heldout-AA.json': 0.91, 'heldout-AB.json': 0.97, 'heldout-AD.json': 0.91, 'heldout-AC.json': 0.87, 'heldout-AF.json': 0.93, 'heldout-AE.json': 0.95, 'heldout-AG.json': 0.82, 'heldout-AH.json': 0.85, 'heldout-AI.json': 0.95, 'heldout-AJ.json': 0.91, 'heldout-AL.json': 0.95, 'heldout-AK.json': 0.91, 'heldout-AM.json': 0.97, 'heldout-AN.json': 0.97, 'heldout-AO.json': 0.93, 'heldout-AP.json': 0.95, 'heldout-AQ.json': 0.95, 'heldout-AR.json': 0.97, 'heldout-AS.json': 0.93, 'heldout-AT.json': 0.95, 'heldout-AU.json': 0.89, 'heldout-AV.json': 0.91, 'heldout-AW.json': 0.95, 'heldout-AX.json': 0.85, 'heldout-AY.json': 0.89, 'heldout-AZ.json': 0.89, 'heldout-BA.json': 0.97, 'heldout-BB.json': 0.93, 'heldout-BC.json': 0.98, 'heldout-BD.json': 0.95, 'heldout-BE.json': 0.97, 'heldout-BF.json': 0.97, 'heldout-BG.json': 1, 'heldout-BH.json': 0.95, 'heldout-BI.json': 0.93, 'heldout-BJ.json': 0.93, 'heldout-BK.json': 0.89, 'heldout-BL.json': 0.93, 'heldout-BM.json': 0.89, 'heldout-BN.json': 0.97, 'heldout-BO.json': 0.91, 'heldout-BP.json': 0.93, 'heldout-BQ.json': 0.97, 'heldout-BR.json': 0.95, 'heldout-BS.json': 0.91, 'heldout-BT.json': 0.95, 'heldout-BU.json': 1, 'heldout-BV.json': 1, 'heldout-BW.json': 0.95, 'heldout-BX.json': 0.89, 'heldout-BY.json': 0.95, 'heldout-BZ.json': 0.93, 'heldout-CA.json': 0.91, 'heldout-CB.json': 0.91, 'heldout-CC.json': 0.91, 'heldout-CD.json': 0.87, 'heldout-CE.json': 0.98, 'heldout-CF.json': 0.95, 'heldout-CG.json': 0.93, 'heldout-CH.json': 0.95, 'heldout-CI.json': 0.93, 'heldout-CJ.json': 0.8, 'heldout-CK.json': 0.82, 'heldout-CL.json': 0.91, 'heldout-CM.json': 0.91, 'heldout-CN.json': 0.93, 'heldout-CO.json': 0.93, 'heldout-CP.json': 0.95, 'heldout-CQ.json': 0.93, 'heldout-CR.json': 0.97, 'heldout-CS.json': 0.97, 'heldout-CT.json': 0.93, 'heldout-CU.json': 1, 'heldout-CV.json': 0.91, 'heldout-CW.json': 0.95, 'heldout-CX.json': 0.97, 'heldout-CY.json': 0.95, 'heldout-CZ.json': 0.97, 'heldout-DA.json': 0.95, 'heldout-DB.json': 0.87, 'heldout-DC.json': 0.95, 'heldout-DD.json': 0.95, 'heldout-DG.json': 0.85, 'heldout-DH.json': 0.95, 'heldout-DE.json': 0.93, 'heldout-DF.json': 0.95 };
  const onTopicEmpty: Record<string, number> = { 'heldout-A.json': 0.01, 'heldout-B.json': 0.01, 'dev-C.json': 0.01, 'heldout-C.json': 0.01, 'heldout-D.json': 0.01, 'heldout-E.json': 0.01, 'heldout-F.json': 0.01, 'heldout-G.json': 0.019, 'heldout-H.json': 0.01, 'heldout-I.json': 0.01, 'heldout-J.json': 0.01, 'heldout-K.json': 0.01, 'heldout-L.json': 0.01, 'heldout-M.json': 0.01, 'heldout-N.json': 0.01, 'heldout-O.json': 0.01, 'heldout-P.json': 0.01, 'heldout-Q.json': 0.01, 'heldout-R.json': 0.01, 'heldout-S.json': 0.01, 'heldout-T.json': 0.015, 'heldout-U.json': 0.032, 'heldout-V.json': 0.01, 'heldout-X.json': 0.01, 'heldout-W.json': 0.017, 'heldout-Y.json': 0.011, 'heldout-Z.json': 0.011, 'heldout-AA.json': 0.01, 'heldout-AB.json': 0.01, 'heldout-AD.json': 0.01, 'heldout-AC.json': 0.01, 'heldout-AF.json': 0.01, 'heldout-AE.json': 0.012, 'heldout-AG.json': 0.01, 'heldout-AH.json': 0.018, 'heldout-AI.json': 0.01, 'heldout-AJ.json': 0.012, 'heldout-AL.json': 0.01, 'heldout-AK.json': 0.01, 'heldout-AM.json': 0.01, 'heldout-AN.json': 0.01, 'heldout-AO.json': 0.01, 'heldout-AP.json': 0.01, 'heldout-AQ.json': 0.01, 'heldout-AR.json': 0.01, 'heldout-AS.json': 0.01, 'heldout-AT.json': 0.01, 'heldout-AU.json': 0.01, 'heldout-AV.json': 0.011, 'heldout-AW.json': 0.01, 'heldout-AX.json': 0.01, 'heldout-AY.json': 0.01, 'heldout-AZ.json': 0.01, 'heldout-BA.json': 0.01, 'heldout-BB.json': 0.01, 'heldout-BC.json': 0.01, 'heldout-BD.json': 0.01, 'heldout-BE.json': 0.01, 'heldout-BF.json': 0.01, 'heldout-BG.json': 0.01, 'heldout-BH.json': 0.019, 'heldout-BI.json': 0.015, 'heldout-BJ.json': 0.012, 'heldout-BK.json': 0.01, 'heldout-BL.json': 0.01, 'heldout-BM.json': 0.01, 'heldout-BN.json': 0.01, 'heldout-BO.json': 0.01, 'heldout-BP.json': 0.01, 'heldout-BQ.json': 0.01, 'heldout-BR.json': 0.01, 'heldout-BS.json': 0.01, 'heldout-BT.json': 0.01, 'heldout-BU.json': 0.01, 'heldout-BV.json': 0.019, 'heldout-BW.json': 0.01, 'heldout-BX.json': 0.01, 'heldout-BY.json': 0.01, 'heldout-BZ.json': 0.011, 'heldout-CA.json': 0.01, 'heldout-CB.json': 0.01, 'heldout-CC.json': 0.01, 'heldout-CD.json': 0.01, 'heldout-CE.json': 0.01, 'heldout-CF.json': 0.01, 'heldout-CG.json': 0.01, 'heldout-CH.json': 0.01, 'heldout-CI.json': 0.01, 'heldout-CJ.json': 0.01, 'heldout-CK.json': 0.01, 'heldout-CL.json': 0.01, 'heldout-CM.json': 0.01, 'heldout-CN.json': 0.01, 'heldout-CO.json': 0.01, 'heldout-CP.json': 0.01, 'heldout-CQ.json': 0.01, 'heldout-CR.json': 0.01, 'heldout-CS.json': 0.01, 'heldout-CT.json': 0.01, 'heldout-CU.json': 0.01, 'heldout-CV.json': 0.01, 'heldout-CW.json': 0.01, 'heldout-CX.json': 0.01, 'heldout-CY.json': 0.01, 'heldout-CZ.json': 0.01, 'heldout-DA.json': 0.01, 'heldout-DB.json': 0.01, 'heldout-DC.json': 0.01, 'heldout-DD.json': 0.01, 'heldout-DG.json': 0.01, 'heldout-DH.json': 0.01, 'heldout-DE.json': 0.01, 'heldout-DF.json': 0.01 };
  for (const [name, kinds] of Object.entries(floors)) {
    it(`holds its floors per kind on ${name}, left out of the requests search learns from`, async () => {
      // @ts-expect-error: a plain .mjs script without types
      const { gather, LEARNED_FROM } = await import('../../scripts/build-search-examples.mjs');
      const doc = JSON.parse(readFileSync(new URL(`./${name}`, import.meta.url), 'utf8'));
      const all: (Case & { kind: string })[] = doc.cases.map((c: any) => ({ request: c.request, acceptable: c.acceptable ?? [], kind: c.kind, known_fields: knownText(c.known_fields) }));
      const left = new Set(all.map((c) => c.request.trim().toLowerCase()));
      const labelled = (gather(LEARNED_FROM.filter((n: string) => n !== name)) as { request: string; tools: string[] }[]).filter((r) => !left.has(r.request.trim().toLowerCase()));
      const search = new ToolSearch(registry, { labelled });
      let onTopic = 0;
      let empty = 0;
      for (const [kind, [top1, top3]] of Object.entries(kinds)) {
        const s = score(search, all.filter((c) => c.kind === kind));
        expect(s.top1, `${name} ${kind} top-1`).toBeGreaterThanOrEqual(top1);
        expect(s.top3, `${name} ${kind} top-3`).toBeGreaterThanOrEqual(top3);
        const n = all.filter((c) => c.kind === kind).length;
        onTopic += n;
        empty += s.empty * n;
      }
      expect(empty / onTopic, `${name} on-topic left empty`).toBeLessThanOrEqual(onTopicEmpty[name]!);
      expect(score(search, all.filter((c) => c.kind === 'offtopic')).offtopicEmpty, `${name} off-topic empty`).toBeGreaterThanOrEqual(offtopic[name]!);
    });
  }

  it('plans the first call of multi-step goals (dev-multistep-goals.json, 458 goals search does not learn from)', () => {
    const doc = JSON.parse(readFileSync(new URL('./dev-multistep-goals.json', import.meta.url), 'utf8'));
    const search = new ToolSearch(registry);
    let first = 0;
    for (const c of doc.cases) {
      const hit = search.search({ use_case: c.request, known_fields: knownText(c.known_fields) });
      if (c.first_step.includes(hit.recommended_plan_steps?.[0]?.tool_slug ?? hit.primary_tool_slugs[0])) first++;
    }
    console.log('dev-multistep-goals first step', first / doc.cases.length);
    // 0.812 before plans took several ids from one call and read the thing the caller holds; 0.830 after;
    // 0.838 once a source's answer named the tracking plan it is connected to.
    expect(first / doc.cases.length).toBeGreaterThanOrEqual(0.83);
  });

  it('still ranks on generated words alone (no hand-written descriptions, tags, use cases or labelled requests)', () => {
    // The tools' own words could drift toward the sets; names and facts alone must still carry most of it.
    const bare = new Registry(registry.tools.map((t) => (t.api === 'public' ? { ...t, description: '', tags: [], useCases: [] } : t)), registry.aliasList());
    const s = score(new ToolSearch(bare, { labelled: [] }), load('eval-set.json'));
    console.log('generated words only', s);
    expect(s.top3).toBeGreaterThanOrEqual(0.5);
  });
});
