/* Compiled per-frame scoring (called through scoring_kernel.py): IoU, centre errors, threshold counts and IoU
 * sums in one pass over frames.
 *
 * This is odtrack_eval.metrics.scoring.score_run_numpy's chain (IoU variant -> success counts, centre error ->
 * precision counts, normalized error -> normalized-precision counts, IoU sums) fused into one loop, without
 * numpy's temporary arrays. Every arithmetic step is the numpy reference's (odtrack_eval/boxes.py), in the same
 * order, with numpy's NaN rules for minimum/maximum/clip and IEEE division (x/0 is inf or NaN, never a trap); the
 * library is built without fused multiply-add or reassociation (backend.CFLAGS), so the per-frame values are the
 * same bits. Counting is the exact searchsorted rule, and IoU sums add the same values in the same (frame)
 * order. The tests check every output against the numpy path for every protocol. */
#include <float.h>
#include <math.h>
#include <stdint.h>

/* The codes scoring.py and preparation.py use; scoring_kernel.py checks them against odt_scoring_constants. */
enum { SCORED = -1, FAIL = 0, PASS = 1, DROP = 2 };
enum { IOU_CONT = 0, IOU_G10K = 1, IOU_PYSOT = 2, IOU_TNET = 3 };
enum { NORM_PYT = 0, NORM_G10K = 1, NORM_PYSOT = 2, NORM_TNET = 3 };
enum { GRID_BISECT = 0, GRID_INTEGERS = 1, GRID_UNIFORM = 2 };

void odt_scoring_constants(int64_t *out)
{
    const int64_t values[] = {SCORED, FAIL, PASS, DROP, IOU_CONT, IOU_G10K, IOU_PYSOT, IOU_TNET,
                              NORM_PYT, NORM_G10K, NORM_PYSOT, NORM_TNET, GRID_BISECT, GRID_INTEGERS, GRID_UNIFORM};
    for (int i = 0; i < (int)(sizeof values / sizeof values[0]); i++)
        out[i] = values[i];
}

/* np.minimum / np.maximum: NaN if either is NaN. */
static inline double min_(double a, double b) { return a < b ? a : (b <= a ? b : a + b); }
static inline double max_(double a, double b) { return a > b ? a : (b >= a ? b : a + b); }
/* np.clip (minimum(maximum(a, lo), hi)). */
static inline double clip_(double a, double lo, double hi) { return min_(max_(a, lo), hi); }

/* A threshold grid: k thresholds followed by two NaN, how to find a value's rank in it (GRID_*), and the scale
 * of a uniform grid (see scoring.py _threshold_index, whose exact shortcuts these are). */
typedef struct {
    const double *values;
    int64_t k;
    int64_t mode;
    double scale;
} Grid;

/* searchsorted(grid[:k], v, "right" if inclusive else "left") for a non-NaN v: an index from v and at most two
 * comparisons where the grid allows (a bisection's unpredictable branches cost three times the rest). */
static inline int64_t rank_(const Grid *g, double v, int inclusive)
{
    const double k = (double)g->k;
    if (g->mode == GRID_INTEGERS) {
        /* min(max(floor(v) + 1 or ceil(v), 0), k): v is first brought into [-1, k + 1], which changes no result,
         * so that truncation to an integer is exact and floor and ceil are one comparison from it (a libm call
         * each on baseline x86-64 otherwise) */
        const double c = v < -1.0 ? -1.0 : (v > k + 1.0 ? k + 1.0 : v);
        const double t = (double)(int64_t)c;
        double x = inclusive ? t - (c < t) + 1.0 : t + (c > t);
        x = x > 0.0 ? x : 0.0;
        x = x < k ? x : k;
        return (int64_t)x;
    }
    if (g->mode == GRID_UNIFORM) {
        double x = v * g->scale;
        x -= 0.5;
        x = x > 0.0 ? x : 0.0;
        x = x < k ? x : k;
        int64_t c = (int64_t)x;
        if (inclusive)
            return c + (g->values[c] <= v) + (g->values[c + 1] <= v);
        return c + (g->values[c] < v) + (g->values[c + 1] < v);
    }
    int64_t lo = 0, hi = g->k;
    while (lo < hi) {
        int64_t mid = (lo + hi) >> 1;
        if (inclusive ? g->values[mid] <= v : g->values[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static inline int64_t success_bin(double iou, int code, const Grid *g, int inclusive)
{
    if (code == FAIL)
        return 0;
    if (code == PASS)
        return g->k;
    if (code == DROP)
        return g->k + 1;
    if (iou != iou)
        return 0;
    return rank_(g, iou, inclusive);
}

static inline int64_t error_bin(double err, int code, const Grid *g)
{
    if (code == FAIL)
        return g->k;
    if (code == PASS)
        return 0;
    if (code == DROP)
        return g->k + 1;
    if (err != err)
        return g->k;
    return rank_(g, err, 0);
}

/* Score frames [start, stop) into the per-sequence outputs (rows of their sequences only).
 *
 * pred, gt: (F, 4) boxes; bounds: one (W, H) row per frame when boxes are clipped to the image (then the IoU is
 * got10k's), else NULL. Each of the three is read with its (row, column) strides in elements: the prepared runs
 * are column-major, and copying them would cost more than the scoring. Each grid has len_* = k + 2 values and its histogram rows have k + 2 bins. Returns the
 * first scored frame whose IoU is NaN, or -1. */
int64_t odt_score_frames(const double *pred, int64_t pr, int64_t pc, const double *gt, int64_t gr, int64_t gc,
                         const double *bounds, int64_t br, int64_t bc, const int64_t *seq_index,
                         const int8_t *code_s, const int8_t *code_p, const int8_t *code_n, int64_t iou_kind,
                         int64_t norm_kind, const double *grid_s, int64_t len_s, int64_t mode_s, double scale_s,
                         int64_t success_inclusive, const double *grid_p, int64_t len_p, int64_t mode_p,
                         double scale_p, const double *grid_n, int64_t len_n, int64_t mode_n, double scale_n,
                         int64_t start, int64_t stop, int64_t *hist_s, int64_t *hist_p, int64_t *hist_n,
                         double *iou_sum, int64_t *iou_count)
{
    const Grid gs = {grid_s, len_s - 2, mode_s, scale_s};
    const Grid gp = {grid_p, len_p - 2, mode_p, scale_p};
    const Grid gn = {grid_n, len_n - 2, mode_n, scale_n};
    int64_t first_nan = -1;
    for (int64_t f = start; f < stop; f++) {
        const int64_t s = seq_index[f];
        const double *p = pred + f * pr, *g = gt + f * gr;
        const double px = p[0], py = p[pc], pw = p[2 * pc], ph = p[3 * pc];
        const double gx = g[0], gy = g[gc], gw = g[2 * gc], gh = g[3 * gc];
        double ax, ay, aw, ah, cx, cy, cw, ch, iou;
        int64_t kind;
        /* -- overlap (boxes.py iou_*) -- */
        if (bounds != 0) {
            const double bw = bounds[f * br], bh = bounds[f * br + bc];
            ax = clip_(px, 0.0, bw);
            ay = clip_(py, 0.0, bh);
            aw = clip_(pw, 0.0, bw - ax);
            ah = clip_(ph, 0.0, bh - ay);
            cx = clip_(gx, 0.0, bw);
            cy = clip_(gy, 0.0, bh);
            cw = clip_(gw, 0.0, bw - cx);
            ch = clip_(gh, 0.0, bh - cy);
            kind = IOU_G10K;
        } else {
            ax = px, ay = py, aw = pw, ah = ph, cx = gx, cy = gy, cw = gw, ch = gh;
            kind = iou_kind;
        }
        if (kind == IOU_CONT || kind == IOU_TNET) { /* inclusive corners, "+1" sides */
            const double iw = max_(min_(ax + aw - 1.0, cx + cw - 1.0) - max_(ax, cx) + 1.0, 0.0);
            const double ih = max_(min_(ay + ah - 1.0, cy + ch - 1.0) - max_(ay, cy) + 1.0, 0.0);
            const double inter = iw * ih;
            const double uni = aw * ah + cw * ch - inter;
            iou = inter / uni;
        } else { /* g10k / pysot: continuous corners */
            const double iw = max_(min_(ax + aw, cx + cw) - max_(ax, cx), 0.0);
            const double ih = max_(min_(ay + ah, cy + ch) - max_(ay, cy), 0.0);
            const double inter = iw * ih;
            double uni = aw * ah + cw * ch - inter;
            if (kind == IOU_G10K)
                uni = uni + DBL_EPSILON;
            iou = clip_(inter / uni, 0.0, 1.0);
        }
        /* -- centre errors (boxes.py centers / center_errors / norm_center_error) -- */
        const double pcx = (pw - 1.0) * 0.5 + px, pcy = (ph - 1.0) * 0.5 + py;
        const double gcx = (gw - 1.0) * 0.5 + gx, gcy = (gh - 1.0) * 0.5 + gy;
        const double dx = pcx - gcx, dy = pcy - gcy;
        const double ce = sqrt(dx * dx + dy * dy);
        double nce;
        if (norm_kind == NORM_PYT) {
            const double ndx = pcx / gw - gcx / gw, ndy = pcy / gh - gcy / gh;
            nce = sqrt(ndx * ndx + ndy * ndy);
        } else if (norm_kind == NORM_G10K) {
            const double ndx = dx / max_(gw, 1.0), ndy = dy / max_(gh, 1.0);
            nce = sqrt(ndx * ndx + ndy * ndy);
        } else if (norm_kind == NORM_PYSOT) {
            const double ndx = dx / (gw + 1e-16), ndy = dy / (gh + 1e-16);
            nce = sqrt(ndx * ndx + ndy * ndy);
        } else {
            const double tdx = (gx + (gw + 1.0) / 2.0) - (px + (pw + 1.0) / 2.0);
            const double tdy = (gy + (gh + 1.0) / 2.0) - (py + (ph + 1.0) / 2.0);
            nce = sqrt(tdx / gw * tdx / gw + tdy / gh * tdy / gh);
        }
        /* -- counts (scoring.py _count) and IoU sums -- */
        const int cs = code_s[f];
        if (cs == SCORED && iou != iou && first_nan < 0)
            first_nan = f;
        hist_s[s * len_s + success_bin(iou, cs, &gs, (int)success_inclusive)] += 1;
        hist_p[s * len_p + error_bin(ce, code_p[f], &gp)] += 1;
        hist_n[s * len_n + error_bin(nce, code_n[f], &gn)] += 1;
        if (cs == SCORED && iou == iou) {
            iou_sum[s] += iou;
            iou_count[s] += 1;
        }
    }
    return first_nan;
}

/* rank_ on its own, for the test that it counts exactly as searchsorted does. */
int64_t odt_rank(const double *grid, int64_t len, int64_t mode, double scale, double v, int64_t inclusive)
{
    const Grid g = {grid, len - 2, mode, scale};
    return rank_(&g, v, (int)inclusive);
}
