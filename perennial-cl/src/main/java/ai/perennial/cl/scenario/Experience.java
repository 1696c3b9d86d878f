package ai.perennial.cl.scenario;

import ai.perennial.core.data.Dataset;

/**
 * One step of a continual-learning stream: its training and test data, its task id (the experience's
 * identity; also the output head in task-incremental scenarios) and the original classes it contains.
 */
public record Experience(int index, Dataset train, Dataset test, int taskId, int[] classes) {
}
