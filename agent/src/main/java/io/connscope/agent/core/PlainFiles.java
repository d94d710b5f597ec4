package io.connscope.agent.core;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;

/**
 * Files as {@code java.io} streams, for connscope's own reads and writes (/proc, its config and events files).
 *
 * <p>Not {@code java.nio.file.Files}' streams: on JDK 25 they are channel streams whose factory loads
 * {@code sun.nio.ch.SocketChannelImpl}, a class connscope instruments. Loaded before connscope is installed, it had
 * to be rewritten in place at every start (which brings in Byte Buddy's rewriting machinery before main, about
 * 0.2 s); loaded by connscope's own thread, it cost an application that never opens a socket that rewriting.
 */
public final class PlainFiles {

    private PlainFiles() {
    }

    public static InputStream in(Path file) throws FileNotFoundException {
        return new FileInputStream(file.toFile());
    }

    /** Malformed input is an error (an {@code IOException} from the read), as with {@code Files}' readers. */
    public static BufferedReader reader(Path file, Charset charset) throws FileNotFoundException {
        return new BufferedReader(new InputStreamReader(in(file), charset.newDecoder()));
    }

    /** Creates the file, or empties it; unmappable characters are an error, as with {@code Files}' writers. */
    public static BufferedWriter writer(Path file, Charset charset) throws FileNotFoundException {
        return new BufferedWriter(new OutputStreamWriter(new FileOutputStream(file.toFile()), charset.newEncoder()));
    }
}
