package ai.perennial.cli;

/**
 * A command that trains or evaluates models: {@link Main} starts loading the tensor engine on another thread before it
 * parses the command line, so the native libraries load while the command reads its options, config and data.
 */
interface UsesEngine {
}
