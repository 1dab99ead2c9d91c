// Apache Jena SHACL (Debian's libapache-jena-java, module jena-shacl) as an oracle: load a shapes file, then
// validate data files against it, one JVM for all of them. Run by tests/test_oracles.py as a single-file source
// program:
//
//   java -cp <jars> tests/oracles/Shacl.java SHAPES DATA...
//
// Output: one tab-separated record per line (newlines inside a value are replaced by spaces):
//   SHAPES-ERROR  shapes-path  message          (Jena refused the shapes; exit 2)
//   SHAPES        shapes-path  shape-count  target-shape-count
//   PARSE         data-path  WARNING|ERROR|FATAL  line  column  message
//   DATA          data-path  conforms(true|false)  result-count
//   RESULT        data-path  severity  focus  path  constraint-component
// A focus node is written as its IRI (or `_:` and Jena's label for a blank node); a path as its IRI when it is
// one predicate, Jena's SPARQL rendering otherwise, and empty when there is none; the constraint component as
// its IRI. Exit 0 when everything was read, 1 when a data file could not be.

import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Node;
import org.apache.jena.riot.RDFParser;
import org.apache.jena.riot.system.ErrorHandler;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.shacl.validation.ReportEntry;
import org.apache.jena.sparql.graph.GraphFactory;
import org.apache.jena.sparql.path.P_Link;
import org.apache.jena.sparql.path.Path;
import org.apache.jena.sys.JenaSystem;

public class Shacl {
    static String clean(Object o) {
        return o == null ? "" : o.toString().replace('\t', ' ').replace('\r', ' ').replace('\n', ' ');
    }

    static void out(String... fields) {
        System.out.println(String.join("\t", fields));
    }

    static String node(Node n) {
        if (n == null) {
            return "";
        }
        if (n.isURI()) {
            return n.getURI();
        }
        if (n.isBlank()) {
            return "_:" + n.getBlankNodeLabel();
        }
        return clean(n);
    }

    static String path(Path p) {
        if (p == null) {
            return "";
        }
        if (p instanceof P_Link) {
            return node(((P_Link) p).getNode());
        }
        return clean(p);
    }

    /** Reads a file with checking on; every message is printed, so a data file with warnings is visible. */
    static Graph read(String file) {
        Graph g = GraphFactory.createDefaultGraph();
        ErrorHandler handler = new ErrorHandler() {
            public void warning(String message, long line, long col) {
                out("PARSE", file, "WARNING", String.valueOf(line), String.valueOf(col), clean(message));
            }

            public void error(String message, long line, long col) {
                out("PARSE", file, "ERROR", String.valueOf(line), String.valueOf(col), clean(message));
            }

            public void fatal(String message, long line, long col) {
                out("PARSE", file, "FATAL", String.valueOf(line), String.valueOf(col), clean(message));
                throw new IllegalStateException(message);
            }
        };
        RDFParser.source(file).checking(true).errorHandler(handler).parse(g);
        return g;
    }

    public static void main(String[] args) {
        JenaSystem.init();
        String shapesFile = args[0];
        Shapes shapes;
        try {
            shapes = Shapes.parse(read(shapesFile));
        } catch (RuntimeException e) {
            out("SHAPES-ERROR", shapesFile, clean(e.getMessage()));
            System.exit(2);
            return;
        }
        out("SHAPES", shapesFile, String.valueOf(shapes.numShapes()), String.valueOf(shapes.numRootShapes()));
        int status = 0;
        for (int i = 1; i < args.length; i++) {
            String dataFile = args[i];
            Graph data;
            try {
                data = read(dataFile);
            } catch (RuntimeException e) {
                out("PARSE", dataFile, "FATAL", "-1", "-1", clean(e.getMessage()));
                status = 1;
                continue;
            }
            ValidationReport report = ShaclValidator.get().validate(shapes, data);
            out("DATA", dataFile, String.valueOf(report.conforms()), String.valueOf(report.getEntries().size()));
            for (ReportEntry e : report.getEntries()) {
                out("RESULT", dataFile, clean(e.severity().level().getLocalName()), node(e.focusNode()),
                    path(e.resultPath()), node(e.sourceConstraintComponent()));
            }
        }
        System.exit(status);
    }
}
