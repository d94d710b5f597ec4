package io.connscope.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

final class Stats {
    private Stats() {
    }

    /** The median; NaN for none. */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /**
     * A 95 % confidence interval of the median, from order statistics alone (no assumption about the
     * distribution): the k-th least and the k-th greatest value, k the largest for which fewer than k of n values
     * fall below the true median with probability at most 2.5 % (binomial, p = 1/2). For 28 values that is the 9th
     * and the 20th. With fewer than 6 values no k is that sure, and the interval is the whole range. NaNs for none.
     */
    static double[] medianInterval(List<Double> values) {
        if (values.isEmpty()) {
            return new double[] {Double.NaN, Double.NaN};
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        int k = Math.max(1, lowerOrderStatistic(n));
        return new double[] {sorted.get(k - 1), sorted.get(n - k)};
    }

    /** The largest k with P(Binomial(n, 1/2) <= k - 1) <= 0.025, or 0 when even k = 1 is above that. */
    static int lowerOrderStatistic(int n) {
        // In logarithms: 0.5^n underflows from n = 1075 on.
        double logP = -n * Math.log(2); // P(B = 0)
        double cumulative = 0;
        int k = 0;
        for (int j = 0; j < n; j++) {
            cumulative += Math.exp(logP); // P(B <= j)
            if (cumulative > 0.025) {
                break;
            }
            k = j + 1;
            logP += Math.log((double) (n - j) / (j + 1)); // P(B = j + 1)
        }
        return k;
    }
}
