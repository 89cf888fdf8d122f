import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dimAdd, dimConst, dimDiv, dimEq, dimEval, dimMul, dimParse, dimSub, dimSym, dimToString, dimValue } from '../../../compiler/ir/dim.ts';

const B = dimSym('B');
const S = dimSym('S');

test('polynomials normalise, so equal dims compare equal', () => {
  assert.ok(dimEq(dimMul(B, S), dimMul(S, B)));
  assert.ok(dimEq(dimAdd(B, dimConst(0)), B));
  assert.ok(dimEq(dimSub(dimAdd(B, S), S), B));
  assert.not.ok(dimEq(B, S));
  assert.is(dimValue(dimMul(dimConst(3), dimConst(4))), 12);
  assert.is(dimValue(B), undefined);
});

test('exact division of monomials, and refusal otherwise', () => {
  const bs12 = dimMul(dimMul(B, S), dimConst(12));
  assert.ok(dimEq(dimDiv(bs12, dimMul(B, dimConst(4)))!, dimMul(S, dimConst(3))));
  assert.is(dimDiv(dimMul(B, dimConst(5)), dimConst(2)), undefined);
  assert.is(dimDiv(B, S), undefined);
});

test('printing and parsing round-trip', () => {
  for (const d of [dimConst(0), dimConst(-7), B, dimMul(B, S), dimSub(dimMul(dimConst(2), S), dimConst(1)), dimAdd(B, dimMul(B, S))]) {
    assert.ok(dimEq(dimParse(dimToString(d)), d), dimToString(d));
  }
  assert.is(dimToString(dimSub(dimMul(dimConst(2), S), dimConst(1))), '-1 + 2*S');
});

test('evaluation binds symbols and names a missing one', () => {
  assert.is(dimEval(dimAdd(dimMul(B, S), dimConst(3)), { B: 2, S: 5 }), 13);
  assert.throws(() => dimEval(B, {}), /B is not bound/);
});

test.run();
