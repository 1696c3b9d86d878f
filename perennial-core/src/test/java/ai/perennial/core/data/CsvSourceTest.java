package ai.perennial.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.perennial.core.PerennialException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSourceTest {
    @TempDir
    Path dir;

    Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    static TableBuilder.Options options(String label) {
        return TableBuilder.Options.classes(label);
    }

    static TableBuilder.Options raw(String label) {
        TableBuilder.Options o = options(label);
        return new TableBuilder.Options(o.label(), false, List.of(), List.of(), List.of(), true, TableBuilder.Missing.ERROR, "", false, 0.2);
    }

    static TableBuilder.Options with(TableBuilder.Options o, List<String> categorical, boolean oneHot, List<String> ignore) {
        return new TableBuilder.Options(o.label(), o.numericTarget(), o.features(), ignore, categorical, oneHot, o.missing(), o.time(),
                o.standardize(), o.testFraction());
    }

    static float[] row(Dataset d, int i) {
        float[] out = new float[d.featureCount()];
        for (int f = 0; f < out.length; f++) {
            out[f] = ((FloatDataset) d).value(i, f);
        }
        return out;
    }

    @Test
    void readsValuesClassesCategoriesAndShapesFromATrainAndATestFile() throws IOException {
        Path train = write("train.csv", "id,size,colour,species\n1,1.5,red,setosa\n2,-2,blue,virginica\n3,4e1,red,versicolor\n4,0.25,green,setosa\n");
        Path test = write("test.csv", "species,colour,size,id\nvirginica,green,7,9\n");
        TableBuilder.Result r = CsvSource.read(train, test, ',', with(raw("species"), List.of("colour"), true, List.of("id")), 1);
        assertThat(r.classes()).containsExactly("setosa", "versicolor", "virginica");
        assertThat(r.inputs()).containsExactly("size", "colour=blue", "colour=green", "colour=red");
        Dataset tr = r.split().train();
        assertThat(tr.size()).isEqualTo(4);
        assertThat(tr.sampleShape().getShape()).containsExactly(4);
        assertThat(tr.numClasses()).isEqualTo(3);
        assertThat(tr.labels()).containsExactly(0, 2, 1, 0);
        assertThat(row(tr, 0)).containsExactly(1.5f, 0, 0, 1);
        assertThat(row(tr, 1)).containsExactly(-2f, 1, 0, 0);
        assertThat(row(tr, 2)).containsExactly(40f, 0, 0, 1);
        Dataset te = r.split().test();
        assertThat(te.labels()).containsExactly(2);
        assertThat(row(te, 0)).containsExactly(7f, 0, 1, 0); // columns matched by name, not position
        assertThat(r.split().timeOrdered()).isFalse();
        assertThat(tr.name()).isEqualTo("train.csv/train");

        TableBuilder.Result index = CsvSource.read(train, test, ',', with(raw("species"), List.of("colour"), false, List.of("id")), 1);
        assertThat(index.inputs()).containsExactly("size", "colour");
        assertThat(row(index.split().train(), 1)).containsExactly(-2f, 0f);
        assertThat(row(index.split().test(), 0)).containsExactly(7f, 1f);
    }

    @Test
    void integerLabelsAreClassesInNumericOrder() throws IOException {
        Path f = write("n.csv", "x,y\n1,10\n2,2\n3,1\n4,2\n5,10\n6,1\n");
        TableBuilder.Result r = CsvSource.read(f, f, ',', raw("y"), 1);
        assertThat(r.classes()).containsExactly("1", "2", "10");
        assertThat(r.split().train().labels()).containsExactly(2, 1, 0, 1, 2, 0);
    }

    @Test
    void randomSplitIsSeededKeepsFileOrderAndCoversEveryRowOnce() throws IOException {
        StringBuilder text = new StringBuilder("x,y\n");
        for (int i = 0; i < 50; i++) {
            text.append(i).append(',').append(i % 2).append('\n');
        }
        Path f = write("s.csv", text.toString());
        TableBuilder.Result a = CsvSource.read(f, null, ',', raw("y"), 7);
        TableBuilder.Result b = CsvSource.read(f, null, ',', raw("y"), 7);
        TableBuilder.Result c = CsvSource.read(f, null, ',', raw("y"), 8);
        assertThat(a.split().test().size()).isEqualTo(10);
        assertThat(a.split().train().size()).isEqualTo(40);
        List<Float> aTest = column(a.split().test());
        assertThat(aTest).isSorted().isEqualTo(column(b.split().test())).isNotEqualTo(column(c.split().test()));
        Set<Float> all = new HashSet<>(aTest);
        all.addAll(column(a.split().train()));
        assertThat(all).hasSize(50);
        assertThat(column(a.split().train())).isSorted();
    }

    static List<Float> column(Dataset d) {
        List<Float> out = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            out.add(((FloatDataset) d).value(i, 0));
        }
        return out;
    }

    @Test
    void standardizesWithTrainingStatisticsAndOnlyCentresConstantColumns() throws IOException {
        Path train = write("t.csv", "a,b,y\n1,5,0\n2,5,1\n3,5,0\n");
        Path test = write("u.csv", "a,b,y\n4,6,1\n");
        TableBuilder.Result r = CsvSource.read(train, test, ',', options("y"), 1);
        double std = Math.sqrt(2.0 / 3);
        assertThat(row(r.split().train(), 0)[0]).isCloseTo((float) (-1 / std), within(1e-6f));
        assertThat(row(r.split().train(), 1)).containsExactly(0f, 0f);
        assertThat(row(r.split().test(), 0)[0]).isCloseTo((float) (2 / std), within(1e-6f)); // the training mean and std
        assertThat(row(r.split().test(), 0)[1]).isEqualTo(1f); // constant in training: centred, not scaled
    }

    @Test
    void numericTargetsMakeARegressionSet() throws IOException {
        Path f = write("r.csv", "x;price\n1;10.5\n2;-3\n3;1e3\n");
        TableBuilder.Options o = new TableBuilder.Options("price", true, List.of(), List.of(), List.of(), true, TableBuilder.Missing.ERROR,
                "", false, 0.2);
        TableBuilder.Result r = CsvSource.read(f, f, ';', o, 1);
        Dataset d = r.split().train();
        assertThat(d.regression()).isTrue();
        assertThat(d.numClasses()).isEqualTo(1);
        assertThat(new float[] {d.target(0), d.target(1), d.target(2)}).containsExactly(10.5f, -3f, 1000f);
        assertThat(r.classes()).isEmpty();
    }

    @Test
    void timeColumnSortsBothSetsStablyAndGivesDaysSinceTheEpoch() throws IOException {
        Path train = write("t.csv", "when,x,y\n2024-01-03,1,a\n2024-01-01,2,b\n2024-01-03,3,a\n1970-01-02T12:00:00,4,b\n");
        Path test = write("u.csv", "when,x,y\n2024-01-02 06:00:00Z,5,a\n2024-01-01T00:00+02:00,6,b\n");
        TableBuilder.Options o = new TableBuilder.Options("y", false, List.of(), List.of(), List.of(), true, TableBuilder.Missing.ERROR,
                "when", false, 0.2);
        DataSources.Split s = CsvSource.read(train, test, ',', o, 1).split();
        assertThat(s.timeOrdered()).isTrue();
        assertThat(column(s.train())).containsExactly(4f, 2f, 1f, 3f); // ties (rows 1 and 3) keep the file order
        double jan1 = java.time.LocalDate.of(2024, 1, 1).toEpochDay();
        assertThat(s.trainTimes()).containsExactly(1.5, jan1, jan1 + 2, jan1 + 2);
        assertThat(column(s.test())).containsExactly(6f, 5f);
        assertThat(s.testTimes()[0]).isCloseTo(jan1 - 2 / 24.0, within(1e-9));
        assertThat(s.testTimes()[1]).isCloseTo(jan1 + 1.25, within(1e-9));
        assertThat(s.train().featureCount()).isEqualTo(1); // the time column is not a feature

        Path numbers = write("n.csv", "t,x,y\n3,1,a\n-1.5,2,b\n2,3,a\n0,4,b\n1,5,a\n9,6,b\n");
        o = new TableBuilder.Options("y", false, List.of(), List.of(), List.of(), true, TableBuilder.Missing.ERROR, "t", false, 0.34);
        for (long seed = 0; seed < 5; seed++) {
            DataSources.Split random = CsvSource.read(numbers, null, ',', o, seed).split();
            assertThat(random.trainTimes()).isSorted().hasSize(4);
            assertThat(random.testTimes()).isSorted().hasSize(2);
        }
    }

    @Test
    void quotedFieldsHoldDelimitersQuotesAndLineBreaks() throws IOException {
        Path f = dir.resolve("q.csv");
        String text = "\uFEFF\"na,me\",x,y\r\n\"a, \"\"b\"\"\nc\", 1 ,\"p\"\r\n\r\n  \"d\" ,2,q\rplain,3,\"p\"";
        Files.write(f, text.getBytes(StandardCharsets.UTF_8));
        try (CsvCursor rows = CsvCursor.open(f, ',')) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.fields()).containsExactly("na,me", "x", "y");
            assertThat(rows.next()).isTrue();
            assertThat(rows.fields()).containsExactly("a, \"b\"\nc", "1", "p");
            assertThat(rows.line()).isEqualTo(2);
            assertThat(rows.number(1)).isEqualTo(1.0);
            assertThat(rows.next()).isTrue();
            assertThat(rows.line()).isEqualTo(5); // the blank line is skipped
            assertThat(rows.fields()).containsExactly("d", "2", "q");
            assertThat(rows.next()).isTrue();
            assertThat(rows.fields()).containsExactly("plain", "3", "p");
            assertThat(rows.next()).isFalse();
        }
        TableBuilder.Options o = new TableBuilder.Options("y", false, List.of("x"), List.of(), List.of(), true, TableBuilder.Missing.ERROR,
                "", false, 0.2);
        assertThat(CsvSource.read(f, f, ',', o, 1).classes()).containsExactly("p", "q");
        Path tsv = write("t.tsv", "a\tb\tlabel\n1\t2\tx\n3\t4\ty\n");
        assertThat(CsvSource.delimiter("auto", tsv)).isEqualTo('\t');
        assertThat(CsvSource.delimiter("auto", f)).isEqualTo(',');
        assertThat(CsvSource.delimiter(";", f)).isEqualTo(';');
        assertThat(row(CsvSource.read(tsv, tsv, '\t', raw("label"), 1).split().train(), 1)).containsExactly(3f, 4f);
    }

    @Test
    void missingValuesAreErrorsUnlessFilledWithZeroOrTheTrainingMean() throws IOException {
        Path f = write("m.csv", "a,b,c,y\n1,,x,0\n3,NA,,1\n5,4,x,0\nnull,8,z,1\n");
        assertThatThrownBy(() -> CsvSource.read(f, f, ',', with(raw("y"), List.of("c"), true, List.of()), 1))
                .isInstanceOf(DataFileException.class)
                .hasMessage(f + ": line 2, column 'b': the value is missing; fill it in, or set missing: zero or missing: mean");
        TableBuilder.Options zero = new TableBuilder.Options("y", false, List.of(), List.of(), List.of("c"), true, TableBuilder.Missing.ZERO,
                "", false, 0.2);
        Dataset z = CsvSource.read(f, f, ',', zero, 1).split().train();
        assertThat(row(z, 0)).containsExactly(1f, 0f, 1f, 0f);
        assertThat(row(z, 1)).containsExactly(3f, 0f, 0f, 0f); // missing category: an all-zero group
        assertThat(row(z, 3)).containsExactly(0f, 8f, 0f, 1f);
        TableBuilder.Options mean = new TableBuilder.Options("y", false, List.of(), List.of(), List.of("c"), false, TableBuilder.Missing.MEAN,
                "", false, 0.2);
        Dataset m = CsvSource.read(f, f, ',', mean, 1).split().train();
        assertThat(row(m, 0)).containsExactly(1f, 6f, 0f);
        assertThat(row(m, 1)).containsExactly(3f, 6f, -1f); // missing category index: -1
        assertThat(row(m, 3)).containsExactly(3f, 8f, 1f);
    }

    @Test
    void malformedTablesNameTheFileLineAndColumn() throws IOException {
        Path ragged = write("ragged.csv", "a,b,y\n1,2,0\n3,1\n");
        assertThatThrownBy(() -> CsvSource.read(ragged, null, ',', raw("y"), 1)).isInstanceOf(DataFileException.class)
                .hasMessage(ragged + ": line 3: has 2 fields but the header has 3 columns; give every row one value per column "
                        + "(quote values that contain the delimiter)");
        Path text = write("text.csv", "a,b,y\n1,2,0\n3,abc,1\n");
        assertThatThrownBy(() -> CsvSource.read(text, null, ',', raw("y"), 1))
                .hasMessage(text + ": line 3, column 'b': 'abc' is not a number; list the column under categorical if its values are "
                        + "categories, or under ignore");
        for (String bad : new String[] {"0x10", "1f", "Infinity", "1e", "1.2.3", "--1", "1e5000"}) {
            Path f = write("bad.csv", "a,y\n1,0\n" + bad + ",1\n");
            assertThatThrownBy(() -> CsvSource.read(f, null, ',', raw("y"), 1)).as(bad).hasMessageContaining(f + ": line 3, column 'a': '" + bad);
        }
        Path numbers = write("noheader.csv", "1,2,3\n4,5,6\n");
        assertThatThrownBy(() -> CsvSource.read(numbers, null, ',', raw("3"), 1))
                .hasMessage(numbers + ": line 1: the first line holds only numbers, not column names; add a header line naming the columns");
        Path empty = write("empty.csv", "\n\n");
        assertThatThrownBy(() -> CsvSource.read(empty, null, ',', raw("y"), 1)).hasMessageContaining(empty + ": is empty");
        Path headerOnly = write("header.csv", "a,y\n");
        assertThatThrownBy(() -> CsvSource.read(headerOnly, null, ',', raw("y"), 1)).hasMessageContaining(headerOnly + ": has no data rows");
        Path twice = write("twice.csv", "a,b,a,y\n1,2,3,0\n");
        assertThatThrownBy(() -> CsvSource.read(twice, null, ',', raw("y"), 1))
                .hasMessageContaining(twice + ": header: column name 'a' appears twice (columns 1 and 3)");
        Path unnamed = write("unnamed.csv", "a,,y\n1,2,0\n");
        assertThatThrownBy(() -> CsvSource.read(unnamed, null, ',', raw("y"), 1)).hasMessageContaining(unnamed + ": header, column 2: has no name");
        Path ok = write("ok.csv", "a,b,y\n1,2,0\n3,4,1\n");
        assertThatThrownBy(() -> CsvSource.read(ok, null, ',', raw("label"), 1))
                .hasMessage(ok + ": header: has no column 'label' (the label column); check the column name; the header has: 'a', 'b', 'y'");
        assertThatThrownBy(() -> CsvSource.read(ok, null, ',', with(raw("y"), List.of("c"), true, List.of()), 1))
                .hasMessageContaining(ok + ": header: has no column 'c' (a categorical column)");
        assertThatThrownBy(() -> CsvSource.read(ok, null, ',', with(raw("y"), List.of(), true, List.of("a", "b")), 1))
                .hasMessageContaining("no feature columns are left");
        Path label = write("label.csv", "a,y\n1,0\n2,\n");
        assertThatThrownBy(() -> CsvSource.read(label, null, ',', raw("y"), 1))
                .hasMessage(label + ": line 3, column 'y': the label is missing; every row needs a label: fill it in or remove the row");
    }

    @Test
    void truncatedAndBadlyQuotedFilesNameThePosition() throws IOException {
        Path open = write("open.csv", "a,y\n1,0\n\"2,1\n3,0\n");
        assertThatThrownBy(() -> CsvSource.read(open, null, ',', raw("y"), 1)).isInstanceOf(DataFileException.class)
                .hasMessage(open + ": line 3, column 1: the quoted field that starts here is never closed; close it with a double quote "
                        + "(a quote inside a quoted field is written twice: \"\")");
        Path inside = write("inside.csv", "a,y\n1,0\n2\"5,1\n");
        assertThatThrownBy(() -> CsvSource.read(inside, null, ',', raw("y"), 1))
                .hasMessageContaining(inside + ": line 3, column 2: a double quote inside an unquoted field");
        Path after = write("after.csv", "a,y\n\"1\"2,0\n");
        assertThatThrownBy(() -> CsvSource.read(after, null, ',', raw("y"), 1))
                .hasMessageContaining(after + ": line 2, column 4: text after the closing quote");
        Path cut = write("cut.csv", "a,b,y\n1,2,0\n3,4,1\n5,");
        assertThatThrownBy(() -> CsvSource.read(cut, null, ',', raw("y"), 1)).hasMessageContaining(cut + ": line 4: has 2 fields");
        Path latin1 = dir.resolve("latin1.csv");
        Files.write(latin1, "a,y\n1,caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> CsvSource.read(latin1, null, ',', raw("y"), 1))
                .hasMessage(latin1 + ": line 2 (byte offset 9): is not UTF-8 text; save the file as UTF-8");
        assertThatThrownBy(() -> CsvSource.read(dir.resolve("nope.csv"), null, ',', raw("y"), 1))
                .hasMessage(dir.resolve("nope.csv") + ": file does not exist; check the path");
    }

    @Test
    void testRowsMayNotBringNewClassesOrCategories() throws IOException {
        Path train = write("a.csv", "c,y\nred,0\nblue,1\n");
        Path newClass = write("b.csv", "c,y\nred,2\n");
        assertThatThrownBy(() -> CsvSource.read(train, newClass, ',', with(raw("y"), List.of("c"), true, List.of()), 1))
                .hasMessage(newClass + ": line 2, column 'y': class '2' does not occur in the training rows; add training rows with it, or "
                        + "remove these test rows");
        Path newCategory = write("c.csv", "y,c\n1,green\n");
        assertThatThrownBy(() -> CsvSource.read(train, newCategory, ',', with(raw("y"), List.of("c"), true, List.of()), 1))
                .hasMessageContaining(newCategory + ": line 2, column 'c': category 'green' does not occur in the training rows");
        Path lacking = write("d.csv", "y\n1\n");
        assertThatThrownBy(() -> CsvSource.read(train, lacking, ',', with(raw("y"), List.of("c"), true, List.of()), 1))
                .hasMessageContaining(lacking + ": header: has no column 'c' (a feature column); the test rows need every column");
        Path rare = write("rare.csv", "x,y\n1,a\n2,a\n3,a\n4,b\n");
        int seed = 0;
        while (true) { // a seed that draws the single 'b' row into the test set
            try {
                CsvSource.read(rare, null, ',', new TableBuilder.Options("y", false, List.of(), List.of(), List.of(), true,
                        TableBuilder.Missing.ERROR, "", false, 0.25), seed);
                seed++;
            } catch (DataFileException e) {
                assertThat(e).hasMessage(rare + ": column 'y': class 'b' has 1 test sample(s) but no training samples; the random split "
                        + "drew all its rows into the test set; add rows of that class, remove them, or give a separate test file");
                break;
            }
        }
    }

    @Test
    void rowsFedByAProgramFollowTheSameRules() {
        TableBuilder table = new TableBuilder("feed", with(raw("state"), List.of("valve"), true, List.of()));
        TableBuilder.Part rows = table.training("sensor feed", List.of("temperature", "valve", "state"));
        rows.add("21.5", "open", "ok");
        rows.add("88", "shut", "alarm");
        rows.add(" 20 ", "open", "ok");
        TableBuilder.Part test = table.test("later", List.of("state", "valve", "temperature"));
        test.add("alarm", "shut", "90");
        assertThatThrownBy(() -> test.add("ok", "open")).isInstanceOf(PerennialException.class)
                .hasMessage("later: row 2: has 2 fields but the header has 3 columns; give every row one value per column (quote values "
                        + "that contain the delimiter)");
        TableBuilder.Result r = table.build(1);
        assertThat(r.classes()).containsExactly("alarm", "ok");
        assertThat(r.split().train().labels()).containsExactly(1, 0, 1);
        assertThat(row(r.split().test(), 0)).containsExactly(90f, 0f, 1f);
        assertThat(r.split().test().size()).isEqualTo(1);
    }

    @Test
    void theCursorStreamsFromAnyInput() {
        CsvCursor rows = new CsvCursor(new ByteArrayInputStream("k|v\n1|x\n".getBytes(StandardCharsets.UTF_8)), "stdin", '|');
        assertThat(rows.next()).isTrue();
        assertThat(rows.records()).isEqualTo(1);
        assertThat(rows.next()).isTrue();
        assertThat(rows.size()).isEqualTo(2);
        assertThat(rows.text(1)).isEqualTo("x");
        assertThat(rows.missing(1)).isFalse();
        assertThat(Double.isNaN(rows.number(1))).isTrue();
        assertThat(rows.next()).isFalse();
    }

    @Test
    void theRegisteredSourceReadsItsParameters() throws IOException {
        Path f = write("p.csv", "t,c,x,skip,y\n2,u,1,s,1.5\n1,v,2,s,2.5\n3,u,3,s,3.5\n4,v,,s,4.5\n5,u,5,s,5.5\n");
        Map<String, Object> params = new HashMap<>(Map.of("file", f.toString(), "label", "y", "target", "numeric", "categorical", "c",
                "ignore", List.of("skip"), "time", "t", "missing", "mean", "standardize", false, "test_fraction", 0.4));
        params.put("encoding", "index");
        DataSources.Split s = DataSources.load(CsvSource.CSV.name(), params, 5);
        assertThat(s.train().size()).isEqualTo(3);
        assertThat(s.test().size()).isEqualTo(2);
        assertThat(s.train().regression()).isTrue();
        assertThat(s.trainTimes()).isSorted();
        assertThat(s.train().featureCount()).isEqualTo(2);
        assertThat(CsvSource.CSV.provides(CsvSource.CSV.resolve(params, "dataset")))
                .containsExactlyInAnyOrder(DataSources.VECTORS, DataSources.NUMERIC_TARGETS, DataSources.TIME_ORDERED);
        params.put("target", "classes");
        params.remove("time");
        assertThat(CsvSource.CSV.provides(CsvSource.CSV.resolve(params, "dataset")))
                .containsExactlyInAnyOrder(DataSources.VECTORS, DataSources.CLASS_TARGETS);
        // standardize_target: the training targets get mean 0 and standard deviation 1, the test targets the same map
        params.put("target", "numeric");
        params.put("time", "t");
        params.put("standardize_target", true);
        DataSources.Split z = DataSources.load(CsvSource.CSV.name(), params, 5);
        double mean = 0;
        double squares = 0;
        for (int i = 0; i < 3; i++) {
            mean += s.train().target(i) / 3.0;
        }
        for (int i = 0; i < 3; i++) {
            squares += (s.train().target(i) - mean) * (s.train().target(i) - mean) / 3.0;
        }
        for (int i = 0; i < 3; i++) {
            assertThat(z.train().target(i)).isCloseTo((float) ((s.train().target(i) - mean) / Math.sqrt(squares)), within(1e-6f));
        }
        for (int i = 0; i < 2; i++) {
            assertThat(z.test().target(i)).isCloseTo((float) ((s.test().target(i) - mean) / Math.sqrt(squares)), within(1e-6f));
        }
        assertThat(z.trainTimes()).isEqualTo(s.trainTimes());
        assertThatThrownBy(() -> DataSources.load(CsvSource.CSV.name(), Map.of("file", f.toString(), "label", "y", "delimiter", "ab"), 1))
                .hasMessageContaining("dataset.delimiter: must be auto, tab, or one character (not a double quote), got 'ab'");
    }

    @Test
    void mutatedFilesLoadOrFailWithAMessageNamingTheFile() throws IOException {
        StringBuilder text = new StringBuilder("when,size,\"col,our\",y\n");
        String[] colours = {"red", "\"bl\"\"ue\"", "green", ""};
        for (int i = 0; i < 12; i++) {
            text.append("2024-01-").append(10 + i % 5).append(',').append(i * 0.5 - 2).append(',').append(colours[i % 4]).append(',')
                    .append(i % 3).append('\n');
        }
        byte[] original = text.toString().getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("fuzz.csv");
        TableBuilder.Options o = new TableBuilder.Options("y", false, List.of(), List.of(), List.of("col,our"), true, TableBuilder.Missing.ZERO,
                "when", true, 0.25);
        Fuzz.Tally t = Fuzz.run(file, original, ",\"\n\r.-e0NA:T ".getBytes(StandardCharsets.US_ASCII), 1500, 11, Duration.ofSeconds(60),
                () -> CsvSource.read(file, null, ',', o, 1));
        assertThat(t.loaded()).isGreaterThan(30);
        assertThat(t.rejected()).isGreaterThan(100);
    }
}
