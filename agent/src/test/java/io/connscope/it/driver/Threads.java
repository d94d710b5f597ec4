package io.connscope.it.driver;

import java.lang.reflect.Method;

/** Named platform or virtual threads; virtual threads through reflection, since tests compile for Java 17. */
final class Threads {

    private Threads() {
    }

    static boolean virtualAvailable() {
        try {
            Thread.class.getMethod("ofVirtual");
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    static Thread start(String name, boolean virtual, Runnable body) {
        Thread t;
        if (virtual) {
            try {
                Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
                Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
                builder = ofVirtual.getMethod("name", String.class).invoke(builder, name);
                Method unstarted = ofVirtual.getMethod("unstarted", Runnable.class);
                t = (Thread) unstarted.invoke(builder, body);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot create a virtual thread", e);
            }
        } else {
            t = new Thread(body, name);
            t.setDaemon(true);
        }
        t.start();
        return t;
    }
}
