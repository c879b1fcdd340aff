package io.distribute;

import java.util.Objects;
import java.util.function.Function;

/**
 * The outcome of a call that can fail: either {@link Ok} with a value or {@link Err} with a typed error.
 *
 * <p>Calls in this library never throw for bad input; they return a {@code Result} instead. Inspect it with
 * {@code instanceof} patterns (Java 17):
 * <pre>{@code
 * Result<Void, StartError> r = Cluster.startNode("app@127.0.0.1", cookie);
 * if (r instanceof Result.Err<Void, StartError> err
 *         && err.error() instanceof StartError.InvalidNodeName bad) {
 *     System.err.println("bad name: " + bad.reason());
 * }
 * }</pre>
 *
 * @param <T> the value type ({@link Void} when there is none; the value is then {@code null})
 * @param <E> the error type
 */
public sealed interface Result<T, E> {

    /** A success carrying {@code value} (which is {@code null} for {@code Result<Void, E>}). */
    record Ok<T, E>(T value) implements Result<T, E> {}

    /** A failure carrying a non-null {@code error}. */
    record Err<T, E>(E error) implements Result<T, E> {
        /** A failure; {@code error} must not be null. */
        public Err {
            Objects.requireNonNull(error, "error");
        }
    }

    /** A success without a value. */
    static <E> Result<Void, E> ok() {
        return new Ok<>(null);
    }

    /** A success with {@code value}. */
    static <T, E> Result<T, E> ok(T value) {
        return new Ok<>(value);
    }

    /** A failure with {@code error}. */
    static <T, E> Result<T, E> err(E error) {
        return new Err<>(error);
    }

    /** True for {@link Ok}. */
    default boolean isOk() {
        return this instanceof Ok;
    }

    /** True for {@link Err}. */
    default boolean isErr() {
        return this instanceof Err;
    }

    /** Applies {@code f} to the value of an {@link Ok}; an {@link Err} is passed through. */
    default <U> Result<U, E> map(Function<? super T, ? extends U> f) {
        if (this instanceof Ok<T, E> ok) {
            return new Ok<>(f.apply(ok.value()));
        }
        return new Err<>(((Err<T, E>) this).error());
    }

    /** Applies {@code f} to the error of an {@link Err}; an {@link Ok} is passed through. */
    default <F> Result<T, F> mapError(Function<? super E, ? extends F> f) {
        if (this instanceof Err<T, E> err) {
            return new Err<>(f.apply(err.error()));
        }
        return new Ok<>(((Ok<T, E>) this).value());
    }

    /** Chains a call that can fail on the value of an {@link Ok}; an {@link Err} is passed through. */
    @SuppressWarnings("unchecked")
    default <U> Result<U, E> flatMap(Function<? super T, ? extends Result<U, E>> f) {
        if (this instanceof Ok<T, E> ok) {
            return (Result<U, E>) f.apply(ok.value());
        }
        return new Err<>(((Err<T, E>) this).error());
    }

    /** Returns the value of an {@link Ok} or {@code other} for an {@link Err}. */
    default T orElse(T other) {
        return this instanceof Ok<T, E> ok ? ok.value() : other;
    }

    /**
     * Returns the value of an {@link Ok}, or throws {@link IllegalStateException} whose message is the error's
     * {@code toString()} — for code that treats a failure as a bug.
     */
    default T orElseThrow() {
        if (this instanceof Ok<T, E> ok) {
            return ok.value();
        }
        throw new IllegalStateException(String.valueOf(((Err<T, E>) this).error()));
    }
}
