package io.connscope.agent.core.http2;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The open streams found by id through their index, against a plain set: streams opened and closed in any order,
 * up to and past {@link Http2Streams#MAX_TRACKED}, in ids as clients send them (consecutive odd) and as a peer could
 * pick them (random, and colliding in the index).
 */
class Http2StreamsTest {

    @Test
    void findsEveryOpenStreamAndNoOtherWhateverTheOrderOfOpensAndCloses() {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            Http2Streams streams = new Http2Streams();
            Set<Integer> open = new HashSet<>();
            List<Integer> openList = new ArrayList<>();
            int nextId = 1;
            for (int step = 0; step < 20_000; step++) {
                boolean opening = openList.isEmpty() || random.nextInt(100) < (seed % 2 == 0 ? 55 : 70);
                if (opening) {
                    int id = seed % 3 == 0 ? random.nextInt(Integer.MAX_VALUE) : (nextId += 2);
                    if (open.contains(id) || streams.find(id) >= 0) {
                        continue;
                    }
                    int slot = streams.open(id, true, 0);
                    if (open.size() < Http2Streams.MAX_TRACKED) {
                        assertTrue(slot >= 0, "seed " + seed + " step " + step);
                        open.add(id);
                        openList.add(id);
                    } else {
                        assertEquals(-1, slot, "past the streams followed");
                    }
                } else {
                    int id = openList.remove(random.nextInt(openList.size()));
                    open.remove(id);
                    streams.remove(streams.find(id));
                }
                assertEquals(open.size(), streams.openCount());
                if (step % 97 == 0) {
                    for (int id : openList) {
                        int slot = streams.find(id);
                        assertTrue(slot >= 0 && slot < streams.openCount(), "seed " + seed + ": stream " + id);
                    }
                    for (int k = 0; k < 50; k++) {
                        int id = random.nextInt(nextId + 100);
                        assertEquals(open.contains(id), streams.find(id) >= 0, "seed " + seed + ": stream " + id);
                    }
                }
            }
        }
    }

    @Test
    void idsThatCollideInTheIndexAreAllFound() {
        // Client stream ids (odd, rising) that all start at the same place of the index at its largest, and so at
        // every smaller size: what a peer that knew the hash could send.
        int mask = 2 * Http2Streams.MAX_TRACKED - 1;
        Http2Streams streams = new Http2Streams(0x5eed);
        List<Integer> ids = new ArrayList<>();
        for (int id = 1; ids.size() < Http2Streams.MAX_TRACKED; id += 2) {
            if (streams.home(id, mask) == streams.home(1, mask)) {
                ids.add(id);
                assertTrue(streams.open(id, true, 0) >= 0);
            }
        }
        assertEquals(Http2Streams.MAX_TRACKED, streams.openCount());
        for (int i = 0; i < ids.size(); i += 2) {
            streams.remove(streams.find(ids.get(i)));
        }
        for (int i = 0; i < ids.size(); i++) {
            assertEquals(i % 2 == 1, streams.find(ids.get(i)) >= 0, "stream " + ids.get(i));
        }
    }

    @Test
    void idsThatCollideOnOneConnectionDoNotOnAnother() {
        int mask = 2 * Http2Streams.MAX_TRACKED - 1;
        Http2Streams known = new Http2Streams(0);
        List<Integer> colliding = new ArrayList<>();
        for (int id = 1; colliding.size() < 64; id += 2) {
            if (known.home(id, mask) == known.home(1, mask)) {
                colliding.add(id);
            }
        }
        Http2Streams other = new Http2Streams();
        Set<Integer> places = new HashSet<>();
        for (int id : colliding) {
            places.add(other.home(id, mask));
        }
        assertTrue(places.size() > 32, "64 ids colliding without a seed took " + places.size() + " places with one");
    }

    @Test
    void aStreamKeepsWhatWasNotedOfItWhenAnotherCloses() {
        Http2Streams streams = new Http2Streams();
        for (int id = 1; id <= 11; id += 2) {
            int slot = streams.open(id, true, id);
            streams.noteStatus(slot, 200 + id, -1);
        }
        streams.remove(streams.find(3));
        streams.remove(streams.find(1));
        for (int id = 5; id <= 11; id += 2) {
            int slot = streams.find(id);
            assertEquals(200 + id, streams.status(slot));
            assertEquals(id, streams.startedAtMillis(slot));
        }
    }
}
