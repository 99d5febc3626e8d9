/* Compiled parser of numeric text files (called through kernel.py): odt_parse equals reference.parse_table bit
 * for bit, or gives up (-1) and the caller runs the reference, which also names the bad line.
 *
 * Grammar: the reference's. Any run of separator bytes (reference.SEPARATORS) splits numbers, '\n' ends a line,
 * blank lines anywhere are skipped, every non-blank line has ncols numbers (ncols = 0: any count, flat result). A
 * number is [+-]?(digits[.digits?]|.digits)([eE][+-]?digits)?. Anything else (nan, inf, 1e, 1..2, non-ASCII, a
 * ragged row) gives up. Giving up is always correct, just slower.
 *
 * Exactness, i.e. the double nearest w * 10**q with ties to even (what float() and np.fromstring return):
 * - Clinger's fast path: w <= 2**53 and |q| <= 22 make w and 10**|q| exact doubles, so one IEEE multiplication or
 *   division rounds once, correctly. Covers integers, %.2f, %.4f and 16-digit reprs.
 * - Otherwise Eisel-Lemire (Lemire, "Number Parsing at a Gigabyte per Second", 2021), with the table rounded
 *   *down* (kernel.py _power_table, computed exactly with Python integers): w shifted to 64 bits times a 128-bit
 *   T <= 5**q * 2**s < T + 1. The exact product X then lies in [Z, Z + 2**64) for the 192-bit Z = w' * T
 *   ([Z1, Z1 + 2**128) for the first 128 bits Z1 = w' * T_hi), X == Z when 5**q fits 128 bits (0 <= q <= 55) and
 *   X > Z otherwise. The 54 leading bits of X (53 + round bit) are read off Z unless the bits below them are all
 *   ones (adding the error could carry into them): then the second half of T is multiplied in, and if they are
 *   still all ones down to bit 64 the parse gives up. A tie (round bit 1, exact zeros below) can only be proven
 *   where X == Z; elsewhere X > Z means "above half". Values that are exactly a double or a midpoint with q < 0
 *   (4503599627370496.5, 7.3177701707893310e+15) do look like all-ones: there 5**-q divides w and dyadic()
 *   rounds w / 5**-q * 2**q exactly. What is left to give up on is (by the Mushtak-Lemire bound) nothing for
 *   inputs of <= 19 digits; the code does not rely on that, it just gives up.
 * - More than 19 significant digits: the first 19 give w and the value lies in [w, w + 1] * 10**q; rounding is
 *   monotone, so where w and w + 1 give the same double that is the answer.
 * - Gives up on results that are subnormal or overflow, and on exponents outside the table. */
#include <stdint.h>
#include <string.h>

#define FAIL_BITS UINT64_MAX /* no finite positive double has these bits (a NaN pattern) */
#define TWO53 ((uint64_t)1 << 53)
#define MANT52 (((uint64_t)1 << 52) - 1)
#define SIGN ((uint64_t)1 << 63)
#define EXP_CAP 100000000 /* larger exponents give up (float() says 0 or inf there anyway) */

enum { TOKEN = 0, SEP = 1, EOL = 2 }; /* byte classes, from kernel.py (reference.SEPARATORS) */

/* Set once by odt_parse_init (kernel.py, at import) and only read afterwards. */
static const uint64_t *t_hi, *t_lo;
static const int64_t *t_exp2;
static int64_t q_min, q_max, exact_q_max;
static uint8_t byte_class[256];

void odt_parse_init(const uint64_t *hi, const uint64_t *lo, const int64_t *exp2, int64_t qmin, int64_t qmax,
                    int64_t exact_max, const uint8_t *classes)
{
    t_hi = hi, t_lo = lo, t_exp2 = exp2, q_min = qmin, q_max = qmax, exact_q_max = exact_max;
    memcpy(byte_class, classes, sizeof byte_class);
}

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* (high, low) 64-bit halves of a * b. */
static inline void mul128(uint64_t a, uint64_t b, uint64_t *high, uint64_t *low)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 p = (unsigned __int128)a * b;
    *high = (uint64_t)(p >> 64);
    *low = (uint64_t)p;
#else
    uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32, b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    uint64_t p0 = a_lo * b_lo, p1 = a_lo * b_hi, p2 = a_hi * b_lo, p3 = a_hi * b_hi;
    uint64_t mid = (p0 >> 32) + (p1 & 0xFFFFFFFFu) + (p2 & 0xFFFFFFFFu); /* < 3 * 2**32: no overflow */
    *high = p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
    *low = (mid << 32) | (p0 & 0xFFFFFFFFu);
#endif
}

/* Bits of the double nearest w * 2**e (w > 0), rounded with exact integer arithmetic, or FAIL_BITS. */
static uint64_t dyadic(uint64_t w, int64_t e)
{
    int64_t nbits = 64 - __builtin_clzll(w), e2;
    uint64_t m;
    if (nbits <= 53) {
        m = w << (53 - nbits); /* exact */
        e2 = e - (53 - nbits);
    } else {
        int drop = (int)(nbits - 53);
        uint64_t rest = w & (((uint64_t)1 << drop) - 1), half = (uint64_t)1 << (drop - 1);
        m = w >> drop;
        e2 = e + drop;
        if (rest > half || (rest == half && (m & 1))) {
            m += 1;
            if (m == TWO53) {
                m >>= 1;
                e2 += 1;
            }
        }
    }
    if (e2 + 1075 < 1 || e2 + 1075 > 2046)
        return FAIL_BITS;
    return ((uint64_t)(e2 + 1075) << 52) | (m & MANT52);
}

/* Bits of the double nearest w * 10**q (w > 0), or FAIL_BITS where the 128-bit table cannot decide. */
static uint64_t eisel_lemire(uint64_t w, int64_t q)
{
    if (q < q_min || q > q_max)
        return FAIL_BITS;
    const int64_t idx = q - q_min;
    const int lz = __builtin_clzll(w);
    const uint64_t wn = w << lz; /* in [2**63, 2**64) */
    uint64_t hi, mid, low, carry_hi;
    mul128(wn, t_hi[idx], &hi, &mid); /* Z1 = w' * T_hi; exact product X in [Z1 * 2**64, Z1 * 2**64 + 2**128) */
    const int exact = q >= 0 && q <= exact_q_max; /* T == 5**q * 2**-f, so X == Z */
    int sh = 9 + (int)(hi >> 63);                 /* bits below the 54 (53 + round bit) we keep */
    uint64_t low_mask = ((uint64_t)1 << sh) - 1, round_bit = (hi >> sh) & 1, below = hi & low_mask;
    int tie = 0;
    if ((hi & 0x1FF) == 0x1FF || (round_bit == 1 && below == 0 && mid == 0)) {
        /* The error might carry into the kept bits, or sticky is unknown: multiply in T's low half. */
        mul128(wn, t_lo[idx], &carry_hi, &low); /* now X in [Z, Z + 2**64), Z = (hi, mid, low) */
        uint64_t mid2 = mid + carry_hi;
        if (mid2 < mid)
            hi += 1;
        mid = mid2;
        sh = 9 + (int)(hi >> 63);
        low_mask = ((uint64_t)1 << sh) - 1;
        round_bit = (hi >> sh) & 1;
        below = hi & low_mask;
        if (!exact && (hi & 0x1FF) == 0x1FF && mid == UINT64_MAX) {
            /* X - Z (< 2**64) could carry into the round bit. Where w * 10**q is a dyadic rational (exactly a
             * double or a midpoint) it does: compute that exactly. */
            if (q < 0 && q >= -27) {
                uint64_t p5 = 1;
                for (int64_t j = 0; j < -q; j++)
                    p5 *= 5; /* 5**27 < 2**63 */
                if (w % p5 == 0)
                    return dyadic(w / p5, q);
            }
            return FAIL_BITS;
        }
        tie = exact && round_bit == 1 && below == 0 && mid == 0 && low == 0;
    }
    uint64_t m = hi >> sh;                           /* 54 bits: 2**53 <= m < 2**54 */
    int64_t e2 = 129 + sh + t_exp2[idx] - lz;        /* value ~ (m / 2) * 2**e2 */
    if (e2 + 1075 < 1)
        return FAIL_BITS; /* subnormal (or zero): rounded at another bit position */
    m >>= 1;
    if (round_bit == 1 && (!tie || (m & 1))) {
        m += 1;
        if (m == TWO53) {
            m >>= 1;
            e2 += 1;
        }
    }
    if (e2 + 1075 > 2046)
        return FAIL_BITS; /* overflows to inf */
    return ((uint64_t)(e2 + 1075) << 52) | (m & MANT52);
}

static inline int digit(uint8_t c) { return (int)c - '0'; }

/* Parse buf[0:n] (its last byte a separator or newline, so no number scan can run past the end) into out (room
 * for cap numbers; (n + 1) / 2 always suffice). ncols > 0: every non-blank line has ncols numbers; 0: any count.
 * Returns the count of numbers, or -1 to give up (the reference then parses the file, or names its bad line). */
int64_t odt_parse(const uint8_t *buf, int64_t n, int64_t ncols, double *out, int64_t cap)
{
    int64_t i = 0, k = 0, line_start = 0;
    if (n > 0 && byte_class[buf[n - 1]] == TOKEN)
        return -1;
    while (i < n) {
        uint8_t c = buf[i];
        const int kind = byte_class[c];
        if (kind == SEP) {
            i++;
            continue;
        }
        if (kind == EOL) {
            if (ncols > 0 && k != line_start && k - line_start != ncols)
                return -1;
            line_start = k;
            i++;
            continue;
        }
        if ((ncols > 0 && k - line_start >= ncols) || k >= cap)
            return -1; /* more than ncols on this line (cap: never, with the documented room) */
        const int negative = c == '-';
        if (negative || c == '+')
            i++;
        const int64_t start = i;
        uint64_t w = 0;
        int d;
        while ((unsigned)(d = digit(buf[i])) <= 9) {
            w = w * 10 + (uint64_t)d;
            i++;
        }
        const int64_t int_end = i;
        int64_t decimals = 0;
        if (buf[i] == '.') {
            i++;
            const int64_t frac_start = i;
            while ((unsigned)(d = digit(buf[i])) <= 9) {
                w = w * 10 + (uint64_t)d;
                i++;
            }
            decimals = i - frac_start;
        }
        const int64_t digits = (int_end - start) + decimals;
        if (digits == 0)
            return -1; /* "", ".", "-", "e5", "nan", ... */
        const int64_t mant_end = i;
        int64_t exponent = 0;
        c = buf[i];
        if (c == 'e' || c == 'E') {
            i++;
            c = buf[i];
            const int exp_negative = c == '-';
            if (exp_negative || c == '+')
                i++;
            const int64_t exp_start = i;
            while ((unsigned)(d = digit(buf[i])) <= 9) {
                exponent = exponent * 10 + d;
                if (exponent > EXP_CAP)
                    return -1;
                i++;
            }
            if (i == exp_start)
                return -1; /* "1e", "1e+" */
            if (exp_negative)
                exponent = -exponent;
        }
        if (byte_class[buf[i]] == TOKEN)
            return -1; /* "1x", "1..2", "1-2", "1e5.5" */
        int64_t q = exponent - decimals;
        int truncated = 0;
        if (digits > 19) {
            /* w may have wrapped: keep the first 19 significant digits, count the dropped ones into q. */
            w = 0;
            int significant = 0;
            for (int64_t j = start; j < mant_end; j++) {
                d = digit(buf[j]);
                if (d < 0)
                    continue; /* the '.' */
                if (significant < 19) {
                    if (significant > 0 || d != 0) {
                        significant++;
                        w = w * 10 + (uint64_t)d;
                    }
                } else {
                    q++;
                    truncated = truncated || d != 0;
                }
            }
        }
        uint64_t bits;
        if (w == 0) {
            bits = negative ? SIGN : 0;
        } else if (w <= TWO53 && q >= -22 && q <= 22) {
            double value = q >= 0 ? (double)w * POW10[q] : (double)w / POW10[-q];
            out[k++] = negative ? -value : value;
            continue;
        } else {
            bits = eisel_lemire(w, q);
            if (bits == FAIL_BITS)
                return -1;
            if (truncated && eisel_lemire(w + 1, q) != bits)
                return -1; /* the dropped digits could change the rounding */
            if (negative)
                bits |= SIGN;
        }
        memcpy(&out[k++], &bits, sizeof bits);
    }
    if (ncols > 0 && k != line_start && k - line_start != ncols)
        return -1;
    return k;
}
