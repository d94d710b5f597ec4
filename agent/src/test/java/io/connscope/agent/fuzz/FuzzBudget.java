package io.connscope.agent.fuzz;

/**
 * How long each fuzz target fuzzes in {@code mvn verify} (JAZZER_FUZZ=1, one surefire execution per target). Jazzer
 * takes the time from the annotation only, after any command-line flag, so a long campaign runs the target's
 * {@code fuzzerTestOneInput} under the standalone driver instead ({@code scripts/fuzz.sh}).
 */
public final class FuzzBudget {

    public static final String CI = "3s";

    private FuzzBudget() {
    }
}
