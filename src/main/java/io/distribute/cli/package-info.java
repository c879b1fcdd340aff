/**
 * The {@code distribute} command line: {@code node}, {@code demo}, {@code ping}, {@code status} and {@code cookie}
 * ({@link io.distribute.cli.Main}). Not a library API: its classes may change without notice; scripts should rely on
 * the documented output lines and exit codes instead.
 */
package io.distribute.cli;
