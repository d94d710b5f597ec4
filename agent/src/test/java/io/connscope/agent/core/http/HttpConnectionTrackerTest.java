package io.connscope.agent.core.http;

import io.connscope.agent.core.tls.TlsRecords;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpConnectionTrackerTest {

    private final List<HttpExchange> exchanges = new ArrayList<>();
    private HttpConnectionTracker tracker = new HttpConnectionTracker(exchanges::add);

    private void request(String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        tracker.onRequestBytes(ByteSource.of(b), 0, b.length, 1_000_000_000L);
    }

    private void response(String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        tracker.onResponseBytes(ByteSource.of(b), 0, b.length);
    }

    /** Feeds in pieces of {@code size} bytes, the way a slow network splits them. */
    private void requestInPieces(String text, int size) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < b.length; i += size) {
            tracker.onRequestBytes(ByteSource.of(b), i, Math.min(size, b.length - i), 1_000_000_000L);
        }
    }

    private void responseInPieces(String text, int size) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < b.length; i += size) {
            tracker.onResponseBytes(ByteSource.of(b), i, Math.min(size, b.length - i));
        }
    }

    /** Found by fuzzing (HttpConnectionTrackerFuzzTestInputs/conversation/regression-cr-inside-a-header-name). */
    @Test
    void aCarriageReturnInsideAHeaderNameMakesItNoKeptHeaderWhereverTheReadsSplitIt() {
        String head = "HTTP/1.1 200 OK\r\nCo\rnnection: close\r\nKeep-Alive: timeout=5\r\n\r\n";
        for (int piece : new int[] {head.length(), 1, 3, 20}) {
            exchanges.clear();
            tracker = new HttpConnectionTracker(exchanges::add);
            request("GET / HTTP/1.1\r\n\r\n");
            responseInPieces(head, piece);
            assertEquals(1, exchanges.size());
            assertNull(exchanges.get(0).responseConnection, "reads of " + piece + " bytes");
            assertEquals("timeout=5", exchanges.get(0).responseKeepAlive, "reads of " + piece + " bytes");
        }
    }

    /** Found by fuzzing (HttpConnectionTrackerFuzzTestInputs/conversation/regression-early-response-...). */
    @Test
    void aRequestWhoseResponseWentByFirstIsReadToTheEndOfItsHeadWhateverItsReads() {
        response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
        requestInPieces("GET /a HTTP/1.1\r\nHost: x\r\n"
                + "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nConnection: close\r\n\r\n", 5);
        assertEquals(1, exchanges.size());
        HttpExchange e = exchanges.get(0);
        assertEquals("HTTP/1.1", e.httpVersion, "the version ends the request line, in a later read");
        assertEquals("close", e.requestConnection);
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", e.traceId);
        assertEquals(200, e.status);
        request("GET /b HTTP/1.1\r\n\r\n");
        assertEquals(2, tracker.requests(), "the next request still starts a new exchange");
    }

    // -- pipelining: requests sent before the responses to those ahead of them --

    /** {@code n} requests of every framing a client uses, as one pipelined batch, with their responses. */
    private static String[] pipelinedBatch(int n) {
        StringBuilder requests = new StringBuilder();
        StringBuilder responses = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            switch (i % 4) {
                case 0:
                    requests.append("GET /").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
                    responses.append("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nGET /");
                    break;
                case 1:
                    requests.append("POST /").append(i).append(" HTTP/1.1\r\ncontent-length: 10\r\n\r\nGET / HTTP");
                    responses.append("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5;ext=1\r\nHTTP/\r\nA\r\n1.1 200 OK\r\n0\r\nTrailer: x\r\n\r\n");
                    break;
                case 2:
                    requests.append("PUT /").append(i).append(" HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                            + "3\r\nabc\r\n0\r\n\r\n");
                    responses.append("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
                    break;
                default:
                    requests.append("HEAD /").append(i).append(" HTTP/1.1\r\n\r\n");
                    responses.append("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
                    break;
            }
        }
        return new String[] {requests.toString(), responses.toString()};
    }

    @Test
    void pipelinedRequestsInOneWriteCountOneByOneAndEachResponseAnswersItsOwn() {
        String[] batch = pipelinedBatch(50);
        request(batch[0]);
        assertEquals(50, tracker.requests());
        assertEquals(0, exchanges.size(), "none answered yet");
        response(batch[1]);
        assertEquals(50, exchanges.size());
        for (int i = 0; i < 50; i++) {
            HttpExchange e = exchanges.get(i);
            assertEquals(i + 1, e.index);
            assertEquals((i + 1) % 4 == 1 ? 201 : (i + 1) % 4 == 2 ? 204 : 200, e.status, "exchange " + e.index);
            assertEquals("HTTP/1.1", e.httpVersion);
        }
        assertEquals("application_close", tracker.onClose(true, false, false, false), "nothing was left unanswered");
    }

    @Test
    void pipelinedBytesSplitAnywhereGiveTheSameExchanges() {
        String[] batch = pipelinedBatch(9);
        byte[] req = batch[0].getBytes(StandardCharsets.ISO_8859_1);
        byte[] res = batch[1].getBytes(StandardCharsets.ISO_8859_1);
        for (int size = 1; size <= 64; size++) {
            exchanges.clear();
            tracker = new HttpConnectionTracker(exchanges::add);
            requestInPieces(batch[0], size);
            responseInPieces(batch[1], size);
            assertEquals(9, tracker.requests(), "pieces of " + size);
            assertEquals(9, exchanges.size(), "pieces of " + size);
            for (int i = 0; i < 9; i++) {
                assertEquals(i + 1, exchanges.get(i).index);
                assertTrue(exchanges.get(i).status >= 200, "pieces of " + size + ": " + exchanges.get(i).status);
            }
        }
        assertTrue(req.length > 64 && res.length > 64);
    }

    @Test
    void responsesToPipelinedRequestsMayComeOneWriteEach() {
        request("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\nConnection: close\r\n\r\n");
        assertEquals(3, tracker.requests());
        response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        response("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        assertEquals(2, exchanges.size());
        response("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        assertEquals(List.of(200, 404, 200), exchanges.stream().map(e -> e.status).collect(java.util.stream.Collectors.toList()));
        assertEquals("connection_close_by_client", tracker.onClose(true, true, false, false));
    }

    @Test
    void pipelinedRequestsLeftUnansweredAreReportedAtCloseAsUnanswered() {
        request("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n");
        response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertEquals("error", tracker.onClose(true, true, false, false), "the server closed with requests unanswered");
        assertEquals(3, exchanges.size());
        assertEquals(List.of(200, 0, 0), exchanges.stream().map(e -> e.status).collect(java.util.stream.Collectors.toList()));
        assertEquals(List.of(1, 2, 3), exchanges.stream().map(e -> e.index).collect(java.util.stream.Collectors.toList()));
    }

    @Test
    void aBodyWhoseLengthCannotBeToldHidesWhatFollowsItAsBefore() {
        request("POST /1 HTTP/1.1\r\nContent-Length: 1x\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
        assertEquals(1, tracker.requests(), "a bad Content-Length: the rest may be body");
        tracker = new HttpConnectionTracker(exchanges::add);
        request("POST /1 HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
        assertEquals(1, tracker.requests(), "two lengths that differ");
        tracker = new HttpConnectionTracker(exchanges::add);
        request("POST /1 HTTP/1.1\r\nContent-Length:  19 \r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n");
        assertEquals(2, tracker.requests(), "the body that looks like a request is skipped, the request after it counts");
    }

    @Test
    void aResponseRunningToTheCloseEndsTheSearchForTheNext() {
        request("GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\n");
        response("HTTP/1.0 200 OK\r\n\r\nHTTP/1.0 200 OK\r\n\r\n");
        assertEquals(1, exchanges.size(), "without a length, the first body runs to the close");
        assertEquals(2, tracker.requests());
    }

    @Test
    void veryDeepPipelinesAreCountedWithoutKeepingEveryRequest() {
        StringBuilder many = new StringBuilder();
        int n = HttpConnectionTracker.MAX_WAITING + 10;
        for (int i = 0; i < n; i++) {
            many.append("GET / HTTP/1.1\r\n\r\n");
        }
        request(many.toString());
        assertEquals(n, tracker.requests());
        assertEquals(9, exchanges.size(), "beyond the bound, reported at once, unanswered");
        tracker.onClose(true, false, false, false);
        assertEquals(n, exchanges.size());
    }

    @Test
    void aSwitchingProtocolsResponseEndsHttp1AndSaysWhereTheOtherProtocolStarts() {
        request("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAAQAoAAA\r\n\r\n");
        String head = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
        byte[] b = (head + "\u0000\u0000\u0000\u0004\u0000\u0000\u0000\u0000\u0000").getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(head.length(), tracker.onResponseBytes(ByteSource.of(b), 0, b.length),
                "the SETTINGS frame after the head is not HTTP/1.x");
        assertTrue(tracker.switchedProtocols());
        assertEquals(1, exchanges.size());
        assertEquals(101, exchanges.get(0).status);
        assertEquals(0, tracker.onResponseBytes(ByteSource.of(b), 0, b.length), "nothing after the switch is HTTP/1.x");
        request("GET /again HTTP/1.1\r\n\r\n");
        assertEquals(1, tracker.requests(), "bytes after the switch are not requests");
    }

    @Test
    void aRequestOnAReusedConnectionSaysHowLongItSatIdleSinceTheLastResponseByte() {
        byte[] req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] body = "Hello".getBytes(StandardCharsets.ISO_8859_1);
        tracker.onRequestBytes(ByteSource.of(req), 0, req.length, 1_000L);
        tracker.onResponseBytes(ByteSource.of(head), 0, head.length, 2_000L);
        tracker.onResponseBytes(ByteSource.of(body), 0, body.length, 5_000L);
        tracker.onRequestBytes(ByteSource.of(req), 0, req.length, 9_000L);
        tracker.onResponseBytes(ByteSource.of(head), 0, head.length, 9_500L);
        tracker.onRequestBytes(ByteSource.of(req), 0, req.length, 10_000L);
        assertEquals(2, exchanges.size());
        assertEquals(-1, exchanges.get(0).idleBeforeNanos, "the first request: none");
        assertEquals(4_000L, exchanges.get(1).idleBeforeNanos, "from the body's last read, not the head's");
        tracker.onResponseBytes(ByteSource.of(head), 0, head.length, 10_100L);
        tracker.onResponseBytes(ByteSource.of(body), 0, body.length, 10_200L);
        assertEquals(500L, exchanges.get(2).idleBeforeNanos);
    }

    @Test
    void anInterimResponseIsNotASwitch() {
        request("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");
        byte[] b = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(b.length, tracker.onResponseBytes(ByteSource.of(b), 0, b.length));
        assertFalse(tracker.switchedProtocols());
        assertEquals(200, exchanges.get(0).status);
    }

    @Test
    void sequentialRequestsOnOneConnectionAreReusedAfterTheFirst() {
        for (int i = 0; i < 3; i++) {
            request("GET /a?token=secret HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
            response("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nKeep-Alive: timeout=5, max=100\r\n\r\nHello there!");
        }
        assertEquals(3, tracker.requests());
        assertEquals(3, exchanges.size());
        assertFalse(exchanges.get(0).reused);
        assertTrue(exchanges.get(1).reused);
        assertEquals(3, exchanges.get(2).index);
        HttpExchange e = exchanges.get(0);
        assertEquals("HTTP/1.1", e.httpVersion);
        assertEquals("keep-alive", e.requestConnection);
        assertEquals(200, e.status);
        assertEquals("timeout=5, max=100", e.responseKeepAlive);
        assertNull(e.responseConnection);
        assertEquals(CloseReason.APPLICATION_CLOSE, tracker.onClose(true, false, false, false));
    }

    @Test
    void headsSplitIntoTinyPiecesAreStillRead() {
        requestInPieces("POST /x HTTP/1.1\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbody", 3);
        responseInPieces("HTTP/1.1 201 Created\r\nconnection:   Close  \r\nContent-Length: 0\r\n\r\n", 2);
        assertEquals(1, exchanges.size());
        assertEquals("close", exchanges.get(0).requestConnection);
        assertEquals("Close", exchanges.get(0).responseConnection, "the value as sent, trimmed");
        assertEquals(201, exchanges.get(0).status);
        assertEquals(CloseReason.CONNECTION_CLOSE_BY_CLIENT, tracker.onClose(true, true, false, false));
    }

    @Test
    void aRequestStartsAtItsFirstBytesOnTheConnectionsClock() {
        // Opened at wall-clock 5,000 ms when the monotonic clock read 1 s; requests start 250 ms and 1.5 s later.
        tracker = new HttpConnectionTracker(exchanges::add, 5_000, 1_000_000_000L);
        byte[] req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        for (long at : new long[] {1_250_000_000L, 2_500_999_999L}) {
            tracker.onRequestBytes(ByteSource.of(req), 0, req.length, at);
            tracker.onRequestBytes(ByteSource.of(new byte[] {'b'}), 0, 1, at + 7_000_000_000L); // no new request
            response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        }
        assertEquals(5_250, exchanges.get(0).startedAtMillis);
        assertEquals(6_500, exchanges.get(1).startedAtMillis);
    }

    @Test
    void bytesAboveAsciiInASkippedValueDoNotEndItsLine() {
        // Header values may carry any byte from 0x80 up (obs-text); lines are searched for '\n' eight bytes at a
        // time, and a search that took such a byte for a newline would read "connection: close" as a header here.
        for (int at = 0; at < 8; at++) {
            exchanges.clear();
            tracker = new HttpConnectionTracker(exchanges::add);
            request("GET / HTTP/1.1\r\nX-Note: " + "a".repeat(at) + "\u00ff\u008a\u0080connection: close\r\n\r\n");
            response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
            assertEquals(1, exchanges.size());
            assertNull(exchanges.get(0).requestConnection, "offset " + at);
            assertEquals(200, exchanges.get(0).status);
        }
    }

    @Test
    void skippedHeaderValuesEndWhereverTheReadsSplitThem() {
        for (int size = 1; size <= 24; size++) {
            exchanges.clear();
            tracker = new HttpConnectionTracker(exchanges::add);
            requestInPieces("GET / HTTP/1.1\r\nUser-Agent: a:b\r\nCookie: Connection: no\r\nConnection: close\r\n\r\n", size);
            responseInPieces("HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 2\r\nKeep-Alive: max=7\r\n\r\nok", size);
            assertEquals(1, exchanges.size(), "pieces of " + size);
            assertEquals("close", exchanges.get(0).requestConnection, "pieces of " + size);
            assertEquals("max=7", exchanges.get(0).responseKeepAlive, "pieces of " + size);
            assertEquals(1, tracker.requests(), "pieces of " + size);
        }
    }

    @Test
    void connectionCloseFromTheServerOnly() {
        request("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        response("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbye");
        assertEquals(CloseReason.CONNECTION_CLOSE_BY_SERVER, tracker.onClose(true, true, false, false));
    }

    @Test
    void http10WithoutKeepAliveIsOneRequestPerConnection() {
        request("GET / HTTP/1.0\r\nHost: x\r\n\r\n");
        response("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nHello there!");
        assertEquals("HTTP/1.0", exchanges.get(0).httpVersion);
        assertEquals(CloseReason.HTTP_1_0, tracker.onClose(false, false, false, false));
    }

    @Test
    void http10WithKeepAliveOnBothSidesIsNotTheReason() {
        request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
        response("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi");
        assertEquals(CloseReason.STALE, tracker.onClose(true, true, false, false));
    }

    @Test
    void keepAliveMaxOneEndsTheConnection() {
        request("GET / HTTP/1.1\r\n\r\n");
        response("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        assertEquals(CloseReason.KEEPALIVE_MAX, tracker.onClose(true, true, false, false));
    }

    @Test
    void thePeerClosingAnIdleConnectionIsStaleForAClientAndPeerClosedForAServer() {
        request("GET / HTTP/1.1\r\n\r\n");
        response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertEquals(CloseReason.STALE, tracker.onClose(true, true, false, false));
        HttpConnectionTracker server = new HttpConnectionTracker(null);
        byte[] req = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] res = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        server.onRequestBytes(ByteSource.of(req), 0, req.length, 0L);
        server.onResponseBytes(ByteSource.of(res), 0, res.length);
        assertEquals(CloseReason.PEER_CLOSED_IDLE, server.onClose(false, true, false, false));
    }

    @Test
    void thePeerClosingMidExchangeOrAResetIsAnError() {
        request("GET / HTTP/1.1\r\n\r\n");
        assertEquals(CloseReason.ERROR, tracker.onClose(true, true, false, false));
        assertEquals(1, exchanges.size(), "the unanswered request is still reported");
        assertEquals(0, exchanges.get(0).status);
        HttpConnectionTracker other = new HttpConnectionTracker(null);
        byte[] req = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        other.onRequestBytes(ByteSource.of(req), 0, req.length, 0L);
        assertEquals(CloseReason.ERROR, other.onClose(true, false, true, false));
    }

    @Test
    void aDeliberateResetAfterACompleteExchangeKeepsItsHttpReason() {
        // Apache HttpClient 5 classic closes a connection it will not reuse with SO_LINGER 0.
        request("GET / HTTP/1.1\r\n\r\n");
        response("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        assertEquals(CloseReason.CONNECTION_CLOSE_BY_SERVER, tracker.onClose(true, false, false, true));
    }

    @Test
    void aPeerResettingAnIdleConnectionIsStaleForTheClient() {
        request("GET / HTTP/1.1\r\n\r\n");
        response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertEquals(CloseReason.STALE, tracker.onClose(true, false, true, false));
    }

    @Test
    void aBodyThatLooksLikeARequestIsNotCountedWhileTheRequestIsInFlight() {
        request("POST /upload HTTP/1.1\r\nContent-Length: 22\r\n\r\n");
        request("GET /not-a-request HTTP/1.1");
        response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertEquals(1, tracker.requests());
    }

    @Test
    void interimContinueResponsesBelongToTheSameRequest() {
        request("PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        response("HTTP/1.1 100 Continue\r\n\r\n");
        request("hello");
        response("HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n");
        assertEquals(1, tracker.requests());
        assertEquals(1, exchanges.size());
        assertEquals(204, exchanges.get(0).status);
        assertEquals("keep-alive", exchanges.get(0).responseConnection);
    }

    @Test
    void interimAndFinalResponseInOneRead() {
        request("PUT /x HTTP/1.1\r\nExpect: 100-continue\r\n\r\n");
        response("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        assertEquals(200, exchanges.get(0).status);
        assertEquals("close", exchanges.get(0).responseConnection);
    }

    @Test
    void aResponseSeenBeforeItsRequestStillCompletesTheExchange() {
        // Writes are reported when the system call returns; a reader thread may report the answer first.
        for (int i = 0; i < 3; i++) {
            response("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nhi");
            request("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        request("GET /4 HTTP/1.1\r\n\r\n");
        response("HTTP/1.1 204 No Content\r\n\r\n");
        assertEquals(4, tracker.requests());
        assertEquals(4, exchanges.size());
        assertEquals(200, exchanges.get(0).status);
        assertEquals("timeout=5", exchanges.get(2).responseKeepAlive);
        assertEquals(204, exchanges.get(3).status);
        assertEquals(CloseReason.APPLICATION_CLOSE, tracker.onClose(true, false, false, false));
    }

    @Test
    void http10ExplainsTheCloseEvenWhenBothSidesAlsoSaidClose() {
        request("GET / HTTP/1.0\r\nConnection: close\r\n\r\n");
        response("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbye");
        assertEquals(CloseReason.HTTP_1_0, tracker.onClose(true, true, false, false));
    }

    @Test
    void bytesThatAreNotHttpAreIgnored() {
        response("HTTP/1.1 408 Request Timeout\r\n\r\n"); // a server talking before any request
        request("\u0016\u0003\u0001garbage");
        assertEquals(0, tracker.requests());
        assertNull(tracker.onClose(true, true, false, false), "no request, no HTTP reason");
        assertTrue(exchanges.isEmpty());
    }

    @Test
    void repeatedConnectionHeadersAreJoined() {
        request("GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: Upgrade\r\n\r\n");
        response("HTTP/1.1 200 OK\r\n\r\n");
        assertEquals("keep-alive,Upgrade", exchanges.get(0).requestConnection);
    }

    @Test
    void longValuesAreCutNotOverflowed() {
        String longValue = "x".repeat(500);
        request("GET / HTTP/1.1\r\nConnection: " + longValue + "\r\nX-Very-Long-Header-Name-Beyond-Sixteen: 1\r\n\r\n");
        response("HTTP/1.1 200 OK\r\n\r\n");
        assertEquals(HttpHeaderScanner.VALUE_CAPACITY, exchanges.get(0).requestConnection.length());
    }

    @Test
    void withoutAListenerNothingIsBuiltButRequestsAreCounted() {
        HttpConnectionTracker quiet = new HttpConnectionTracker(null);
        byte[] req = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] res = "HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < 4; i++) {
            quiet.onRequestBytes(ByteSource.of(req), 0, req.length, 0L);
            quiet.onResponseBytes(ByteSource.of(res), 0, res.length);
        }
        assertEquals(4, quiet.requests());
    }

    @Test
    void recognisesRequestLinesAndClientHellos() {
        byte[] get = "GET / HTTP/1.1".getBytes(StandardCharsets.ISO_8859_1);
        byte[] lower = "get / HTTP/1.1".getBytes(StandardCharsets.ISO_8859_1);
        byte[] hello = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00};
        byte[] ssh = "SSH-2.0-OpenSSH".getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(Http1StartLines.looksLikeRequest(ByteSource.of(get), 0, get.length));
        assertTrue(Http1StartLines.looksLikeRequest(ByteSource.of(get), 0, 2), "GET split after its letters");
        byte[] ehlo = "EHLO mail.example\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertFalse(Http1StartLines.looksLikeRequest(ByteSource.of(ehlo), 0, ehlo.length), "SMTP is not HTTP");
        byte[] custom = "PURGE /cache HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(Http1StartLines.looksLikeRequest(ByteSource.of(custom), 0, custom.length),
                "an unknown method with an HTTP/1.x request line");
        byte[] customNoVersion = "PURGE /cache\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertFalse(Http1StartLines.looksLikeRequest(ByteSource.of(customNoVersion), 0, customNoVersion.length));
        assertFalse(Http1StartLines.looksLikeRequest(ByteSource.of(lower), 0, lower.length));
        for (String method : new String[] {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE",
            "CONNECT", "PROPFIND", "MKCOL", "SEARCH"}) {
            byte[] line = (method + " /x?y=1\r\n").getBytes(StandardCharsets.ISO_8859_1);
            assertTrue(Http1StartLines.looksLikeRequest(ByteSource.of(line), 0, line.length), method);
            byte[] folded = (method.charAt(0) + method.substring(1).toLowerCase() + " /x?y=1\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            assertFalse(Http1StartLines.looksLikeRequest(ByteSource.of(folded), 0, folded.length), method);
            byte[] longer = (method + "X /x?y=1\r\n").getBytes(StandardCharsets.ISO_8859_1);
            assertFalse(Http1StartLines.looksLikeRequest(ByteSource.of(longer), 0, longer.length), method + "X");
        }
        assertFalse(Http1StartLines.looksLikeRequest(ByteSource.of(ssh), 0, ssh.length));
        assertTrue(TlsRecords.looksLikeClientHello(ByteSource.of(hello), 0, hello.length));
        assertTrue(TlsRecords.looksLikeClientHello(ByteSource.of(hello), 0, 5), "a server reading the record header alone");
        byte[] serverHello = {0x16, 0x03, 0x03, 0x00, 0x40, 0x02, 0x00};
        assertFalse(TlsRecords.looksLikeClientHello(ByteSource.of(serverHello), 0, serverHello.length));
        assertTrue(TlsRecords.looksLikeServerHandshake(ByteSource.of(serverHello), 0, serverHello.length),
                "a ServerHello read before the ClientHello's write is reported");
        assertFalse(TlsRecords.looksLikeServerHandshake(ByteSource.of(hello), 0, hello.length));
        assertFalse(TlsRecords.looksLikeClientHello(ByteSource.of(get), 0, get.length));
    }

    @Test
    void keepAliveParametersAreParsed() {
        byte[] v = "timeout=5, MAX=100".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(5, HttpTokens.parameter(v, v.length, "timeout"));
        assertEquals(100, HttpTokens.parameter(v, v.length, "max"));
        assertEquals(-1, HttpTokens.parameter(v, v.length, "other"));
        byte[] c = "Keep-Alive, Upgrade".getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(HttpTokens.containsToken(c, c.length, "upgrade"));
        assertFalse(HttpTokens.containsToken(c, c.length, "close"));
    }

    /**
     * The scanner takes whole lines at once where a chunk holds them and byte by byte where a line is split: every
     * way of splitting these exchanges (at each position, and one byte at a time) reads the same heads.
     */
    @Test
    void headsReadTheSameHoweverTheBytesAreSplit() {
        String[][] exchangesToSplit = {
                {"GET /a?q=1 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=5, max=100\r\n\r\nok"},
                {"POST /long/path/that/runs/past/the/window HTTP/1.0\r\nCONNECTION:   Keep-Alive  \r\n"
                        + "Cookie: c=1\r\nKeep-Alive: 300\r\nContent-Length: 0\r\n\r\n",
                        "HTTP/1.0 503 Service Unavailable\r\nconnection: close\r\nConnection: x\r\n\r\n"},
                {"GET / HTTP/1.1\nConnectionX: no\nKeep-Alivee: no\nconnection:close\n\n",
                        "HTTP/1.1 204 No Content\nCache-Control: none\nkeep-alive:\ttimeout=1\t\n\n"},
                {"GET / HTTP/1.1\r\nX-Long: " + "v".repeat(300) + "\r\nConnection: " + "t,".repeat(40) + "close\r\n\r\n",
                        "HTTP/1.1 200 OK\r\nK: v\r\nC: v\r\nKeep-Alive: timeout=7\r\n\r\n"},
                // Names in any case and names that only start like the kept ones; a status that is not a number.
                {"DELETE /x HTTP/1.0\r\nkEEP-aLIVE: 9\r\nConnection-Extra: no\r\nKeep-AliveX: no\r\n"
                        + "CoNNeCTioN: Keep-Alive\r\n\r\n",
                        "HTTP/1.0 2x0 Odd\r\nKEEP-ALIVE: max=3\r\nConnectiox: no\r\nConnection: keep-alive\r\n\r\n"},
        };
        // What each exchange's heads say, read whole (the kept values stop at 64 bytes).
        String[] firstExchange = {
                "1 HTTP/1.1 status=200 reqConnection=keep-alive reqKeepAlive=null respConnection=null"
                        + " respKeepAlive=timeout=5, max=100",
                "1 HTTP/1.0 status=503 reqConnection=Keep-Alive reqKeepAlive=300 respConnection=close,x"
                        + " respKeepAlive=null",
                "1 HTTP/1.1 status=204 reqConnection=close reqKeepAlive=null respConnection=null respKeepAlive=timeout=1",
                "1 HTTP/1.1 status=200 reqConnection=" + "t,".repeat(32) + " reqKeepAlive=null respConnection=null"
                        + " respKeepAlive=timeout=7",
                "1 HTTP/1.0 status=0 reqConnection=Keep-Alive reqKeepAlive=9 respConnection=keep-alive"
                        + " respKeepAlive=max=3",
        };
        for (int c = 0; c < exchangesToSplit.length; c++) {
            String[] exchange = exchangesToSplit[c];
            String expected = readHeads(exchange[0], exchange[1], Integer.MAX_VALUE, -1);
            assertEquals(firstExchange[c] + "\n" + firstExchange[c].replaceFirst("^1", "2") + "\n", expected);
            assertEquals(expected, readHeads(exchange[0], exchange[1], 1, -1), "one byte at a time");
            for (int at = 1; at < exchange[0].length() + exchange[1].length(); at++) {
                assertEquals(expected, readHeads(exchange[0], exchange[1], Integer.MAX_VALUE, at), "split at " + at);
            }
        }
    }

    /** Two exchanges fed in pieces of {@code size} bytes, the request and response also split at {@code splitAt}. */
    private String readHeads(String request, String response, int size, int splitAt) {
        exchanges.clear();
        tracker = new HttpConnectionTracker(exchanges::add);
        for (int round = 0; round < 2; round++) {
            feedSplit(request, true, size, splitAt);
            feedSplit(response, false, size, splitAt - request.length());
        }
        tracker.onRequestBytes(ByteSource.of(new byte[] {'G', 'E', 'T', ' '}), 0, 4, 1_000_000_000L); // ends the second
        StringBuilder sb = new StringBuilder();
        for (HttpExchange e : exchanges.subList(0, 2)) {
            sb.append(e.index).append(' ').append(e.httpVersion).append(" status=").append(e.status)
                    .append(" reqConnection=").append(e.requestConnection).append(" reqKeepAlive=").append(e.requestKeepAlive)
                    .append(" respConnection=").append(e.responseConnection).append(" respKeepAlive=")
                    .append(e.responseKeepAlive).append('\n');
        }
        return sb.toString();
    }

    private void feedSplit(String text, boolean isRequest, int size, int splitAt) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        int i = 0;
        while (i < b.length) {
            int n = Math.min(size, b.length - i);
            if (splitAt > i && splitAt < i + n) {
                n = splitAt - i;
            }
            if (isRequest) {
                tracker.onRequestBytes(ByteSource.of(b), i, n, 1_000_000_000L);
            } else {
                tracker.onResponseBytes(ByteSource.of(b), i, n);
            }
            i += n;
        }
    }
}
