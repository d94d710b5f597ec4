package io.connscope.agent.core;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;

/** Names why a connect failed, in the words an operator searches for: refused, timed out, unreachable. */
public final class ConnectFailure {

    private ConnectFailure() {
    }

    /** {@code "refused: java.net.ConnectException: Connection refused"} and the like. */
    public static String describe(Throwable error) {
        if (error == null) {
            return "failed: connection not established";
        }
        return kind(error) + ": " + error;
    }

    static String kind(Throwable error) {
        String message = AsciiCase.lower(String.valueOf(error.getMessage()));
        if (error instanceof SocketTimeoutException || message.contains("timed out")) {
            return "timed_out";
        }
        if (error instanceof NoRouteToHostException || message.contains("unreachable") || message.contains("no route")) {
            return "unreachable";
        }
        if (error instanceof ConnectException && message.contains("refused")) {
            return "refused";
        }
        if (message.contains("closed by interrupt") || message.contains("interrupted")) {
            return "interrupted";
        }
        return "failed";
    }
}
