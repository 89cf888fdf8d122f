/**
 * The pipelines are typed per entry point: a strict TypeScript app type-checks against the glue of every BERT entry,
 * gets each pipeline's overloads right (single vs batch, `aggregation`), and cannot call a pipeline its entry lacks.
 * Only the glue and its declaration files are needed, so no package is bundled here.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emitGlue } from '../../../backends/glue/emit-glue.ts';
import { manifestOf } from '../../../backends/glue/manifest.ts';
import { compileBert } from '../../specs/bert-helpers.ts';
import { ROOT, SMALL } from './helpers.ts';

const APPS: Record<string, string> = {
  BertForMaskedLM: `
    const [cands] = await model.fillMask('a [MASK]', { topK: 2 });
    const c: FillMaskCandidate | undefined = cands?.[0];
    const s: string | undefined = c?.sequence;
    // @ts-expect-error no nextSentence on BertForMaskedLM
    await model.nextSentence('a', 'b');
    use(s);`,
  BertForPreTraining: `
    const n: NextSentenceResult = await model.nextSentence('a', 'b');
    const f: FillMaskCandidate[][] = await model.fillMask('a [MASK]');
    use(n.isNext, f);`,
  BertForSequenceClassification: `
    const one: ClassificationLabel[] = await model.classify('x', { topK: 2, functionToApply: 'sigmoid' });
    const pair: ClassificationLabel[] = await model.classify({ text: 'a', textPair: 'b' });
    const many: ClassificationLabel[][] = await model.classify(['a', ['b', 'c'], { text: 'd', textPair: 'e' }]);
    // @ts-expect-error a batch gives one list per item
    const flat: ClassificationLabel[] = await model.classify(['a', 'b']);
    // @ts-expect-error functionToApply is one of three
    await model.classify('x', { functionToApply: 'relu' });
    use(one, pair, many, flat);`,
  BertForTokenClassification: `
    const tokens: TokenEntity[] = await model.tokenClassify('x');
    const none: TokenEntity[] = await model.tokenClassify('x', { aggregation: 'none', ignoreLabels: [] });
    const groups: EntityGroup[] = await model.tokenClassify('x', { aggregation: 'simple' });
    // @ts-expect-error 'simple' gives groups, not tokens
    const wrong: TokenEntity[] = await model.tokenClassify('x', { aggregation: 'simple' });
    use(tokens, none, groups, wrong);`,
  BertForQuestionAnswering: `
    const a: Answer = await model.answer('q', 'c', { maxAnswerLength: 5, docStride: 64 });
    const span: [number, number] = [a.start, a.end];
    // @ts-expect-error no classify on a QA model
    await model.classify('x');
    use(a.answer, a.score, span);`,
  BertForMultipleChoice: `
    const r: ChoiceResult = await model.chooseAnswer('p', ['a', 'b']);
    const scores: number[] = r.scores;
    use(r.index, r.choice, scores);`,
  BertForNextSentencePrediction: `
    const { isNext, score } = await model.nextSentence('a', 'b');
    use(isNext, score);`,
  BertModel: `
    const v: Float32Array = await model.embed('x', { pooling: 'cls', normalize: true });
    const vs: Float32Array[] = await model.embed(['a', 'b']);
    // @ts-expect-error pooling is one of three
    await model.embed('x', { pooling: 'max' });
    use(v, vs);`,
  BertLMHeadModel: `
    // @ts-expect-error no pipelines on BertLMHeadModel, only its tokenizer
    await model.fillMask('a [MASK]');`,
};

test('a strict app uses each entry’s pipelines with the right types, and no others', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dslc-pipeline-types-'));
  try {
    const files: string[] = [];
    for (const [entry, body] of Object.entries(APPS)) {
      const pkg = join(dir, entry);
      mkdirSync(pkg);
      const manifest = manifestOf(compileBert(entry, { ...SMALL }), { source: 'bert.dsl', target: 'cpu' });
      for (const [name, text] of Object.entries(emitGlue(manifest))) writeFileSync(join(pkg, name), text);
      writeFileSync(join(dir, `${entry}.ts`), `
        import { loadBert, type Answer, type ChoiceResult, type ClassificationLabel, type EntityGroup, type FillMaskCandidate,
          type NextSentenceResult, type TokenEntity, type Tokenizer } from './${entry}/index.js';
        const use = (...xs: unknown[]): void => console.log(xs);
        const model = await loadBert('ckpt');
        const tokenizer: Tokenizer = model.tokenizer;
        const ids: number[] = tokenizer.encode('a b', 'c', { truncation: true, maxLength: 8 }).input_ids;
        use(ids);
        ${body}
        export type Unused = [Answer, ChoiceResult, ClassificationLabel, EntityGroup, FillMaskCandidate, NextSentenceResult, TokenEntity];
      `);
      files.push(`${entry}.ts`);
    }
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const compilerOptions = {
      strict: true, noEmit: true, target: 'es2022', module: 'nodenext', lib: ['es2022', 'dom'], types: [], noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true, verbatimModuleSyntax: true, noUnusedLocals: true, skipDefaultLibCheck: true,
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    assert.is(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
