/* Compiled screening of result files for odtrack_eval.results.validation.validate_run (called through
 * screen_kernel.py). It is validation.py's _screen_numpy as one pass per file; the counts are integers, so
 * both give the same flags. */
#include <stdint.h>

/* Over the first `rows` rows of the C-contiguous (rows, 4) float64 tables: out[0] = any odd row (a NaN or
 * infinite value, or width/height <= 0), out[1] = rows usable (the row is finite and the ground-truth row is
 * finite with positive width and height), out[2] = usable rows ordered like corners (x2 > x1 and y2 > y1). */
void odt_screen_file(const double *boxes, const double *gt, int64_t rows, int64_t *out)
{
    int64_t odd = 0, usable = 0, ordered = 0;
    for (int64_t j = 0; j < rows; j++) {
        const double *b = boxes + 4 * j, *g = gt + 4 * j;
        /* x - x is 0 for a finite x and NaN for inf/NaN: the sum of the four tests all at once */
        int finite = (b[0] - b[0]) + (b[1] - b[1]) + (b[2] - b[2]) + (b[3] - b[3]) == 0.0;
        if (!(finite && b[2] > 0 && b[3] > 0))
            odd = 1;
        int gt_finite = (g[0] - g[0]) + (g[1] - g[1]) + (g[2] - g[2]) + (g[3] - g[3]) == 0.0;
        if (finite && gt_finite && g[2] > 0 && g[3] > 0) {
            usable++;
            if (b[2] > b[0] && b[3] > b[1])
                ordered++;
        }
    }
    out[0] = odd;
    out[1] = usable;
    out[2] = ordered;
}
