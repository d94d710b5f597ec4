package io.connscope.agent.instrumentation;

import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.implementation.bytecode.StackManipulation;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * What advice does with a throwable it suppresses: hands it to {@code SocketEvents.adviceFailed}, which counts it
 * for the summary, instead of dropping it silently (Byte Buddy's default for {@code suppress}).
 *
 * <p>The call is inlined into JDK and library classes inside the advice's catch block, where anything thrown
 * would reach the application: so it is wrapped in a try/catch of its own that drops whatever the call throws (a
 * {@code NoClassDefFoundError} where the bridge is not visible, a {@code StackOverflowError} on a deep stack).
 * The same shape as the OpenTelemetry Java agent's exception handler.
 */
public final class AdviceFailures {

    /** For {@code AgentBuilder.Transformer.ForAdvice.withExceptionHandler}. */
    public static final Advice.ExceptionHandler HANDLER = new Advice.ExceptionHandler.Simple(new CountSuppressed());

    private static final String BRIDGE = "io/connscope/bootstrap/SocketEvents";

    private AdviceFailures() {
    }

    /** Stack on entry: the suppressed throwable; on exit: empty. */
    private static final class CountSuppressed extends StackManipulation.AbstractBase {
        @Override
        public Size apply(MethodVisitor mv, Implementation.Context context) {
            Label callStart = new Label();
            Label callEnd = new Label();
            Label dropFailure = new Label();
            Label done = new Label();
            // Stack map frames exist from class file version 6 on; older classes must not get them.
            boolean frames = context.getClassFileVersion().isAtLeast(ClassFileVersion.JAVA_V6);
            mv.visitTryCatchBlock(callStart, callEnd, dropFailure, "java/lang/Throwable");
            mv.visitLabel(callStart);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, BRIDGE, "adviceFailed", "(Ljava/lang/Throwable;)V", false);
            mv.visitLabel(callEnd);
            mv.visitJumpInsn(Opcodes.GOTO, done);
            mv.visitLabel(dropFailure);
            if (frames) {
                mv.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {"java/lang/Throwable"});
            }
            mv.visitInsn(Opcodes.POP);
            mv.visitLabel(done);
            if (frames) {
                mv.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
            }
            return new Size(-1, 1);
        }
    }
}
