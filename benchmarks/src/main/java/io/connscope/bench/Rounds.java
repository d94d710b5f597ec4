package io.connscope.bench;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One workload's measurements, by round and variant. A ratio is taken within each round (the variants ran back to
 * back there, under the same load from the rest of the machine) and the median of those is reported.
 */
final class Rounds {

    private final Map<Integer, Map<Variant, Double>> byRound = new TreeMap<>();

    void add(int round, Variant v, double value) {
        byRound.computeIfAbsent(round, r -> new EnumMap<>(Variant.class)).put(v, value);
    }

    double median(Variant v) {
        List<Double> values = new ArrayList<>();
        for (Map<Variant, Double> round : byRound.values()) {
            if (round.containsKey(v)) {
                values.add(round.get(v));
            }
        }
        return Stats.median(values);
    }

    /** Median over rounds of {@code v / no agent}. */
    double medianRatio(Variant v) {
        return Stats.median(ratios(v));
    }

    /** A 95 % confidence interval of {@link #medianRatio} ({@link Stats#medianInterval}). */
    double[] ratioInterval(Variant v) {
        return Stats.medianInterval(ratios(v));
    }

    private List<Double> ratios(Variant v) {
        List<Double> ratios = new ArrayList<>();
        for (Map<Variant, Double> round : byRound.values()) {
            if (round.containsKey(v) && round.containsKey(Variant.NONE)) {
                ratios.add(round.get(v) / round.get(Variant.NONE));
            }
        }
        return ratios;
    }

    /** Median over rounds of {@code v - no agent}. */
    double medianDifference(Variant v) {
        return Stats.median(differences(v));
    }

    /** A 95 % confidence interval of {@link #medianDifference} ({@link Stats#medianInterval}). */
    double[] differenceInterval(Variant v) {
        return Stats.medianInterval(differences(v));
    }

    private List<Double> differences(Variant v) {
        List<Double> differences = new ArrayList<>();
        for (Map<Variant, Double> round : byRound.values()) {
            if (round.containsKey(v) && round.containsKey(Variant.NONE)) {
                differences.add(round.get(v) - round.get(Variant.NONE));
            }
        }
        return differences;
    }

    int size() {
        return byRound.size();
    }
}
