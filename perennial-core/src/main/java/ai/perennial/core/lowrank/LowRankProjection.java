package ai.perennial.core.lowrank;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.optim.GradientOracle;
import ai.perennial.core.optim.GradientTransform;
import ai.perennial.core.optim.TransformState;
import java.util.ArrayList;
import java.util.List;

/**
 * Any optimizer recipe run on low-rank projections of the weight-matrix gradients (GaLore, PLUMAGE). A parameter with
 * two or more dimensions is a matrix G of shape (first dimension) × (the rest); it is turned so that its smaller side k
 * comes first (GaLore projects the smaller side). Every τ updates the matrix's basis P (k × r, orthonormal columns)
 * and the per-column scales d are chosen from the spectrum of the current gradient ({@link Subspace}); in between
 * they are fixed. The inner recipe sees R = diag(d)·PᵀG (r × c) and its state lives in that r × c space; the update
 * of the matrix is α·P·(inner update of R). Vectors (biases) go through the inner recipe at full size.
 *
 * <p>The inner recipe also sees, as the parameter of a projected matrix, its projection PᵀW: decay terms of the
 * recipe act on the part of the weights inside the subspace (GaLore's reference AdamW decays the whole matrix).
 *
 * <p>State: per matrix the basis P and, when the subspace scales its coordinates, d (both auxiliary buffers), the
 * inner recipe's state (in projected shapes) and the update count, which decides the refreshes; with the counter-based
 * sampling of {@link Plumage} that is all a resumed run needs to continue bit for bit.
 */
public final class LowRankProjection implements GradientTransform {

    /** How a matrix's basis is chosen from the spectrum of its gradient at a refresh. */
    public interface Subspace {
        /**
         * The chosen directions (indices into the spectrum, r of them) and the factor each projected coordinate is
         * multiplied by; {@code matrix} and {@code step} identify the draw for a random choice.
         */
        Basis choose(Spectrum spectrum, int rank, int matrix, long step);

        /** Whether the coordinates are scaled (otherwise all scales are 1 and are not stored). */
        boolean scales();

        /** Whether the inner state is re-expressed in the new basis at a refresh ({@link TransformState#changeBasis}). */
        boolean realigns();
    }

    /** Directions {@code columns} of a spectrum, and the scale of each projected coordinate. */
    public record Basis(int[] columns, double[] scales) {
    }

    private final GradientTransform inner;
    private final int rank;
    private final long interval;
    private final double scale;
    private final Subspace subspace;
    private final String rankKey;

    /**
     * @param rankKey the config key of {@code rank}, named in the error when the rank leaves no matrix to project
     */
    public LowRankProjection(GradientTransform inner, int rank, long interval, double scale, Subspace subspace, String rankKey) {
        if (rank < 1 || interval < 1 || !(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("rank " + rank + " and interval " + interval + " must be at least 1, scale "
                    + scale + " positive");
        }
        this.inner = inner;
        this.rank = rank;
        this.interval = interval;
        this.scale = scale;
        this.subspace = subspace;
        this.rankKey = rankKey;
    }

    /** How one parameter is projected: -1 ordinal for a vector; else rows × cols, turned when rows > cols. */
    private record Layout(int ordinal, long rows, long cols, int rank) {
        boolean projected() {
            return ordinal >= 0;
        }

        boolean turned() {
            return rows > cols;
        }

        long small() {
            return Math.min(rows, cols);
        }

        long big() {
            return Math.max(rows, cols);
        }
    }

    private List<Layout> layouts(List<Parameter> params) {
        List<Layout> out = new ArrayList<>(params.size());
        int ordinal = 0;
        long largestSmallSide = 0;
        for (Parameter p : params) {
            Shape shape = p.array().getShape();
            if (shape.dimension() < 2) {
                out.add(new Layout(-1, 0, 0, 0));
                continue;
            }
            long rows = shape.get(0);
            long cols = shape.size() / rows;
            long small = Math.min(rows, cols);
            largestSmallSide = Math.max(largestSmallSide, small);
            out.add(new Layout(ordinal++, rows, cols, (int) Math.min(rank, small)));
        }
        if (ordinal == 0) {
            throw new PerennialException(rankKey + ": the model has no weight matrix to project; drop " + rankKey);
        }
        if (rank > largestSmallSide) {
            throw new PerennialException(rankKey + ": rank " + rank + " exceeds the smaller side of every weight matrix (at most "
                    + largestSmallSide + "), so nothing would be projected; choose a rank below " + largestSmallSide
                    + " (a matrix whose smaller side is below the rank is projected at full rank)");
        }
        return out;
    }

    @Override
    public TransformState init(List<Parameter> params) {
        List<Layout> layouts = layouts(params);
        List<Parameter> proxies = new ArrayList<>(params.size());
        List<Shape> bases = new ArrayList<>();
        List<Shape> scales = new ArrayList<>();
        List<NDArray> shapesOnly = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Layout l = layouts.get(i);
            Parameter p = params.get(i);
            if (!l.projected()) {
                proxies.add(p);
                continue;
            }
            bases.add(new Shape(l.small(), l.rank()));
            scales.add(new Shape(l.rank()));
            // only its shape and manager matter to the inner init; the state is created outside any step scope
            NDArray shapeOnly = p.array().getManager().zeros(new Shape(l.rank(), l.big()));
            shapesOnly.add(shapeOnly);
            proxies.add(new Parameter(p.name(), shapeOnly, p.decays()));
        }
        TransformState state = new TransformState(List.of(inner.init(proxies)));
        ai.djl.ndarray.NDManager manager = params.get(0).array().getManager();
        state.addAuxiliary("basis", bases, manager);
        if (subspace.scales()) {
            state.addAuxiliary("scale", scales, manager);
        }
        shapesOnly.forEach(NDArray::close);
        return state;
    }

    @Override
    public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
        return update(grads, state, params, GradientOracle.NONE);
    }

    @Override
    public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params, GradientOracle oracle) {
        List<Layout> layouts = layouts(params);
        long step = state.count();
        boolean refresh = step % interval == 0;
        TransformState innerState = state.children().get(0);
        List<NDArray> bases = state.buffer("basis");
        List<NDArray> scales = state.buffer("scale");
        List<NDArray> projected = new ArrayList<>(grads.size());
        List<Parameter> proxies = new ArrayList<>(grads.size());
        for (int i = 0; i < grads.size(); i++) {
            Layout l = layouts.get(i);
            Parameter p = params.get(i);
            if (!l.projected()) {
                projected.add(grads.get(i));
                proxies.add(p);
                continue;
            }
            NDArray g = turn(grads.get(i), l);
            NDArray basis = bases.get(l.ordinal());
            if (refresh) {
                refresh(g, l, i, step, basis, scales == null ? null : scales.get(l.ordinal()), innerState);
            }
            NDArray basisT = basis.transpose();
            NDArray r = basisT.matMul(g);
            if (scales != null) {
                r = r.muli(scales.get(l.ordinal()).reshape(l.rank(), 1));
            }
            projected.add(r);
            proxies.add(new Parameter(p.name(), basisT.matMul(turn(p.array(), l)), p.decays()));
        }
        List<NDArray> inside = inner.update(projected, innerState, proxies, oracle);
        List<NDArray> out = new ArrayList<>(grads.size());
        for (int i = 0; i < grads.size(); i++) {
            Layout l = layouts.get(i);
            if (!l.projected()) {
                out.add(inside.get(i));
                continue;
            }
            NDArray full = bases.get(l.ordinal()).matMul(inside.get(i));
            full = (l.turned() ? full.transpose() : full).reshape(params.get(i).array().getShape());
            out.add(scale == 1 ? full : full.muli((float) scale));
        }
        state.increment();
        return out;
    }

    /** The matrix view of a parameter-shaped array with its smaller side first (k × c). */
    private static NDArray turn(NDArray a, Layout l) {
        NDArray m = a.reshape(l.rows(), l.cols());
        return l.turned() ? m.transpose() : m;
    }

    /** A new basis (and scales) from the spectrum of {@code g}; the inner state follows it when the subspace realigns. */
    private void refresh(NDArray g, Layout l, int param, long step, NDArray basis, NDArray scales, TransformState innerState) {
        NDArray g64 = g.toType(DataType.FLOAT64, false);
        int k = (int) l.small();
        Spectrum spectrum = Spectrum.ofGram(g64.matMul(g64.transpose()).toDoubleArray(), k);
        Basis chosen = subspace.choose(spectrum, l.rank(), l.ordinal(), step);
        int r = l.rank();
        float[] values = new float[k * r];
        for (int c = 0; c < r; c++) {
            double[] u = spectrum.vectors()[chosen.columns()[c]];
            for (int a = 0; a < k; a++) {
                values[a * r + c] = (float) u[a];
            }
        }
        if (subspace.realigns() && step > 0) {
            NDArray next = g.getManager().create(values, basis.getShape());
            innerState.changeBasis(param, next.transpose().matMul(basis));
        }
        Engines.overwrite(basis, values);
        if (scales != null) {
            float[] s = new float[r];
            for (int c = 0; c < r; c++) {
                s[c] = (float) chosen.scales()[c];
            }
            Engines.overwrite(scales, s);
        }
    }
}
