/**
 * Scalar math in double precision for the elementwise ops that JavaScript's Math lacks.
 *
 * erf follows W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969), as in
 * his CALERF routine (netlib specfun): three rational approximations on |x| <= 0.46875, <= 4 and > 4, with relative
 * error near 1e-16 everywhere, enough for the oracle to be exact at f32 precision.
 */

// erf(x) = x * R(x^2) on |x| <= 0.46875.
const A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
// erfc(x) = exp(-x^2) * R(x) on 0.46875 < x <= 4.
const C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
];
// erfc(x) = exp(-x^2) / x * (1/sqrt(pi) + R(1/x^2) / x^2) on x > 4.
const P = [
  0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4,
  0.0163153871373020978,
];
const Q = [2.56852019228982242, 1.87295284992346725, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
const INV_SQRT_PI = 0.56418958354775628695;

/** exp(-y^2) computed as exp(-a^2) * exp(-(y-a)(y+a)) with a = y rounded to 1/16, which keeps y^2's rounding error out. */
function expMinusSquare(y: number): number {
  const a = Math.trunc(y * 16) / 16;
  return Math.exp(-a * a) * Math.exp(-(y - a) * (y + a));
}

/** erfc(y) for y > 0.46875. */
function erfcPositive(y: number): number {
  if (y <= 4) {
    let num = C[8]! * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]!) * y;
      den = (den + D[i]!) * y;
    }
    return expMinusSquare(y) * ((num + C[7]!) / (den + D[7]!));
  }
  if (y >= 26.543) return 0; // below the smallest double
  const z = 1 / (y * y);
  let num = P[5]! * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + P[i]!) * z;
    den = (den + Q[i]!) * z;
  }
  const r = (z * (num + P[4]!)) / (den + Q[4]!);
  return (expMinusSquare(y) * (INV_SQRT_PI - r)) / y;
}

/** The error function, accurate to about 1e-16 relative. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) {
    const z = y * y;
    let num = A[4]! * z;
    let den = z;
    for (let i = 0; i < 3; i++) {
      num = (num + A[i]!) * z;
      den = (den + B[i]!) * z;
    }
    return (x * (num + A[3]!)) / (den + B[3]!);
  }
  const r = 0.5 - erfcPositive(y) + 0.5;
  return x < 0 ? -r : r;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Exact GELU: x * Φ(x). */
export function gelu(x: number): number {
  return x * 0.5 * (1 + erf(x / Math.SQRT2));
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** HF gelu_new / "gelu_pytorch_tanh". */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

export function silu(x: number): number {
  return x * sigmoid(x);
}
