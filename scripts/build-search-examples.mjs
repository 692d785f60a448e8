#!/usr/bin/env node
/**
 * Gathers the labelled requests search learns from (src/search/examples.ts) into
 * data/search/examples.json: every request of the labelled sets in test/search/, with the tools that
 * serve it (none for an off-topic one). Run it after adding a set; a test checks the file is current.
 *   node scripts/build-search-examples.mjs [--check]
 * A held-out set is added here only after it has been scored and reported: once search learns from it, its figures say
 * nothing about the next user. The labelled-*.json sets were written to teach (by helpers who never saw
 * search), never to measure.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const LEARNED_FROM = ['eval-set.json', 'blind-set.json', 'dev-A.json', 'heldout-A.json', 'heldout-B.json', 'dev-C.json', 'heldout-C.json', 'heldout-D.json', 'heldout-E.json', 'heldout-F.json', 'heldout-G.json', 'heldout-H.json', 'heldout-I.json', 'heldout-J.json', 'heldout-K.json', 'heldout-L.json', 'heldout-M.json', 'heldout-N.json', 'heldout-O.json', 'heldout-P.json', 'heldout-Q.json', 'heldout-R.json', 'heldout-S.json', 'heldout-T.json', 'heldout-U.json', 'heldout-V.json', 'heldout-W.json', 'heldout-X.json', 'heldout-Y.json', 'heldout-Z.json', 'heldout-AA.json', 'heldout-AB.json', 'heldout-AC.json', 'heldout-AD.json', 'heldout-AF.json', 'heldout-AE.json', 'heldout-AG.json', 'heldout-AH.json', 'heldout-AI.json', 'heldout-AJ.json', 'heldout-AL.json', 'heldout-AK.json', 'heldout-AM.json', 'heldout-AN.json', 'heldout-AO.json', 'heldout-AP.json', 'heldout-AQ.json', 'heldout-AR.json', 'heldout-AS.json', 'heldout-AT.json', 'heldout-AU.json', 'heldout-AV.json', 'heldout-AW.json', 'heldout-AX.json', 'heldout-AY.json', 'heldout-AZ.json', 'heldout-BA.json', 'heldout-BB.json', 'heldout-BC.json', 'heldout-BD.json', 'heldout-BE.json', 'heldout-BF.json', 'heldout-BG.json', 'heldout-BH.json', 'heldout-BI.json', 'heldout-BJ.json', 'heldout-BK.json', 'heldout-BL.json', 'heldout-BM.json', 'heldout-BN.json', 'heldout-BO.json', 'heldout-BP.json', 'heldout-BQ.json', 'heldout-BR.json', 'heldout-BS.json', 'heldout-BT.json', 'heldout-BU.json', 'heldout-BV.json', 'heldout-BW.json', 'heldout-BX.json', 'heldout-BY.json', 'heldout-BZ.json', 'heldout-CA.json', 'heldout-CB.json', 'heldout-CC.json', 'heldout-CD.json', 'heldout-CE.json', 'heldout-CF.json', 'heldout-CG.json', 'heldout-CH.json', 'heldout-CI.json', 'heldout-CJ.json', 'heldout-CK.json', 'heldout-CL.json', 'heldout-CM.json', 'heldout-CN.json', 'heldout-CO.json', 'heldout-CP.json', 'heldout-CQ.json', 'heldout-CR.json', 'heldout-CS.json', 'heldout-CT.json', 'heldout-CU.json', 'heldout-CV.json', 'heldout-CW.json', 'heldout-CX.json', 'heldout-CY.json', 'heldout-CZ.json', 'heldout-DA.json', 'heldout-DB.json', 'heldout-DC.json', 'heldout-DD.json', 'heldout-DG.json', 'heldout-DH.json', 'heldout-DE.json', 'heldout-DF.json', 'labelled-sources-destinations-warehouses.json', 'labelled-tracking-protocols-functions.json', 'labelled-engage-reverse-etl-access.json', 'labelled-casual.json', 'labelled-agent-calls.json', 'labelled-plain-words.json', 'labelled-engage-siblings.json', 'labelled-connections-siblings.json', 'labelled-governance-siblings.json', 'labelled-agent-siblings.json'];

const dir = new URL('../test/search/', import.meta.url);
const out = new URL('../data/search/examples.json', import.meta.url);

/** The labelled requests of the sets, in set order; a request written twice is kept once. */
export function gather(names = LEARNED_FROM) {
  const seen = new Set();
  const requests = [];
  const add = (request, tools) => {
    const key = request.trim().toLowerCase();
    if (!key || seen.has(key)) return;
    seen.add(key);
    requests.push({ request, tools: [...new Set(tools)] });
  };
  for (const name of names) {
    const doc = JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
    for (const c of doc.cases ?? []) add(c.request ?? c.q, c.acceptable ?? c.expect ?? []);
    for (const key of Object.keys(doc).filter((k) => k.endsWith('negatives'))) for (const q of doc[key]) add(q, []);
  }
  return requests;
}

export function render(requests) {
  return `{"about":"Labelled requests search learns from; built by scripts/build-search-examples.mjs from ${LEARNED_FROM.join(', ')} (test/search/). Do not edit by hand.","requests":[\n${requests.map((r) => JSON.stringify(r)).join(',\n')}\n]}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = render(gather());
  if (process.argv.includes('--check')) {
    const current = readFileSync(out, 'utf8');
    if (current !== text) {
      console.error('data/search/examples.json is out of date: run node scripts/build-search-examples.mjs');
      process.exit(1);
    }
  } else {
    writeFileSync(out, text);
    console.log(`data/search/examples.json: ${JSON.parse(text).requests.length} labelled requests`);
  }
}
