package ai.perennial.cl.run;

import ai.perennial.cl.metrics.PlasticityPoint;
import ai.perennial.cl.metrics.StabilityMetrics.EvalPoint;
import ai.perennial.core.observe.RunLog;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.train.ProgressListener;

/**
 * Sends what a {@link ContinualRun} measures to a {@link RunLog} as it happens: the training loss and learning rate at
 * every progress report (where the trainer reads the loss back anyway), continual-evaluation points and plasticity
 * diagnostics as they appear, and after each experience its accuracy row, the matrix so far and (with TensorBoard) a
 * histogram of every weight. Nothing runs per step.
 */
public final class ContinualRunLog implements ContinualRun.Listener {
    private final RunLog log;
    private final ContinualRun run;
    private final Schedule learningRate;
    private int rowsLogged;
    private int curveLogged;
    private int diagnosticsLogged;

    /**
     * {@code learningRate}: the schedule the run's optimizer follows, or null when it is the program's own and unknown.
     * What {@code run} measured before (a resumed run) is not logged again.
     */
    public ContinualRunLog(RunLog log, ContinualRun run, Schedule learningRate) {
        this.log = log;
        this.run = run;
        this.learningRate = learningRate;
        ContinualRun.Measured m = run.measured();
        this.rowsLogged = m.rows().length;
        this.curveLogged = m.curve().size();
        this.diagnosticsLogged = m.diagnostics().size();
    }

    /** {@code progress}, also logging each report. */
    public ContinualRunner.ProgressFactory around(ContinualRunner.ProgressFactory progress) {
        return label -> {
            ProgressListener inner = progress.forRound(label);
            return (done, total, loss) -> {
                inner.onProgress(done, total, loss);
                log.trainingReport(run.globalStep(), loss, learningRate);
                logPoints(run.measured());
            };
        };
    }

    @Override
    public void afterExperience(ContinualRun run) {
        ContinualRun.Measured m = run.measured();
        logPoints(m);
        if (m.rows().length == rowsLogged) {
            return; // nothing was trained on this experience
        }
        log.evaluation(run.globalStep(), m.rows(), m.trained(), m.score());
        rowsLogged = m.rows().length;
        log.weights(run.globalStep(), run.model().parameters());
    }

    private void logPoints(ContinualRun.Measured m) {
        for (EvalPoint p : m.curve().subList(curveLogged, m.curve().size())) {
            double sum = 0;
            int count = 0;
            for (int j = 0; j < p.accuracies().length; j++) {
                double v = p.accuracies()[j];
                if (Double.isFinite(v)) {
                    log.scalar("continual/accuracy/exp_" + (j + 1), p.step(), v);
                    sum += v;
                    count++;
                }
            }
            log.scalar("continual/average_accuracy", p.step(), count == 0 ? Double.NaN : sum / count);
        }
        curveLogged = m.curve().size();
        for (PlasticityPoint p : m.diagnostics().subList(diagnosticsLogged, m.diagnostics().size())) {
            log.scalar("plasticity/online_accuracy", p.step(), p.onlineAccuracy());
            log.scalar("plasticity/gradient_norm", p.step(), p.gradientNorm());
            for (PlasticityPoint.Layer layer : p.layers()) {
                double[] values = layer.values();
                for (int i = 0; i < values.length; i++) {
                    log.scalar("plasticity/" + layer.name() + "/" + PlasticityPoint.FIELDS.get(i), p.step(), values[i]);
                }
            }
        }
        diagnosticsLogged = m.diagnostics().size();
    }
}
