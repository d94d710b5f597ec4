package io.connscope.agent.export;

import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecimalsTest {

    private static String fixed(double v, int digits) {
        return Decimals.fixed(new StringBuilder(), v, digits).toString();
    }

    private static String formatter(double v, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    @Test
    void printsWhatFormatterPrintsAwayFromTies() {
        SplittableRandom random = new SplittableRandom(26);
        int compared = 0;
        for (int i = 0; i < 200_000; i++) {
            // Durations as reports see them: sub-millisecond to days, and some exact tenths and hundredths.
            double v = i % 5 == 0 ? random.nextInt(100_000) / 100.0 : Math.pow(10, random.nextDouble(-4, 8));
            for (int digits = 0; digits <= 4; digits++) {
                double scaled = v * Math.pow(10, digits);
                double fraction = scaled - Math.floor(scaled);
                if (Math.abs(fraction - 0.5) < 1e-6) {
                    continue; // a tie the double cannot tell from its neighbours: either way is right
                }
                assertEquals(formatter(v, digits), fixed(v, digits), "v=" + v + " digits=" + digits);
                compared++;
            }
        }
        assertTrue(compared > 900_000, "compared " + compared);
    }

    @Test
    void padsTheFractionWithZeros() {
        assertEquals("3.05", fixed(3.05, 2));
        assertEquals("0.0010", fixed(0.001, 4));
        assertEquals("12.0", fixed(12, 1));
        assertEquals("0.0", fixed(0.04, 1));
        assertEquals("0.1", fixed(0.06, 1));
        assertEquals("7", fixed(7.4, 0));
        assertEquals("10.0", fixed(9.96, 1));
    }

    @Test
    void signsAndNonFiniteValuesAsFormatterDoes() {
        for (double v : new double[] {-1.25, -0.04, -0.0, Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, 1e300, -3e17}) {
            assertEquals(formatter(v, 1), fixed(v, 1), "v=" + v);
        }
    }
}
