// The OWL API (Debian's libowlapi-java) as an oracle: load each ontology document (offline, each in a manager of
// its own) and report its OWL 2 profiles (DL, EL, QL, RL) with every violation, the triples the OWL API could not
// map to axioms, and the declarations it had to guess. Run by tests/test_oracles.py as a single-file source
// program, one JVM for all the documents:
//
//   java -cp <jars> tests/oracles/Profile.java FILE...
//
// A .ttl file is read as Turtle, anything else as RDF/XML. Output: one tab-separated record per line (newlines
// inside a value are replaced by spaces):
//   FILE        path  ontology-IRI  axiom-count
//   UNPARSED    path  triple
//   GUESSED     path  entity  kinds
//   IMPORT      path  IRI of an import that is not satisfied (imports are never fetched from the web)
//   PROFILE     path  profile-name  true|false  violation-count
//   VIOLATION   path  profile-name  violation-class  axiom  description
//   ERROR       path  message        (the document could not be loaded; exit 2)

import java.io.File;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.formats.RDFDocumentFormat;
import org.semanticweb.owlapi.formats.RDFXMLDocumentFormat;
import org.semanticweb.owlapi.formats.TurtleDocumentFormat;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLAxiom;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWL2ELProfile;
import org.semanticweb.owlapi.profiles.OWL2QLProfile;
import org.semanticweb.owlapi.profiles.OWL2RLProfile;
import org.semanticweb.owlapi.profiles.OWLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class Profile {
    static String clean(Object o) {
        return o == null ? "" : o.toString().replace('\t', ' ').replace('\r', ' ').replace('\n', ' ');
    }

    static void out(String... fields) {
        System.out.println(String.join("\t", fields));
    }

    public static void main(String[] args) throws Exception {
        int status = 0;
        for (String path : args) {
            status = Math.max(status, check(path));
        }
        System.exit(status);
    }

    static int check(String path) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        // Offline: an import is never fetched; it is mapped to a file that does not exist, and reported.
        manager.getIRIMappers().clear();
        manager.getIRIMappers().add(iri -> IRI.create(new File("/nonexistent/" + Math.abs(iri.hashCode()))));
        manager.addMissingImportListener(e -> out("IMPORT", path, clean(e.getImportedOntologyURI())));
        OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
            .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.SILENT);
        OWLOntology ont;
        try {
            ont = manager.loadOntologyFromOntologyDocument(new FileDocumentSource(new File(path),
                path.endsWith(".ttl") ? new TurtleDocumentFormat() : new RDFXMLDocumentFormat()), config);
        } catch (Exception e) {
            out("ERROR", path, clean(e.getMessage()));
            return 2;
        }
        out("FILE", path, clean(ont.getOntologyID().getOntologyIRI().orElse(null)),
            String.valueOf(ont.getAxiomCount()));
        OWLDocumentFormat format = manager.getOntologyFormat(ont);
        if (format instanceof RDFDocumentFormat) {
            format.getOntologyLoaderMetaData().ifPresent(meta -> {
                meta.getUnparsedTriples().forEach(t -> out("UNPARSED", path, clean(t)));
                meta.getGuessedDeclarations().asMap().forEach((iri, kinds) ->
                    out("GUESSED", path, clean(iri), clean(kinds)));
            });
        }
        OWLProfile[] profiles = {new OWL2DLProfile(), new OWL2ELProfile(), new OWL2QLProfile(), new OWL2RLProfile()};
        String[] names = {"OWL2_DL", "OWL2_EL", "OWL2_QL", "OWL2_RL"};
        for (int i = 0; i < profiles.length; i++) {
            OWLProfileReport report = profiles[i].checkOntology(ont);
            out("PROFILE", path, names[i], String.valueOf(report.isInProfile()),
                String.valueOf(report.getViolations().size()));
            for (OWLProfileViolation v : report.getViolations()) {
                OWLAxiom axiom = v.getAxiom();
                out("VIOLATION", path, names[i], v.getClass().getSimpleName(), clean(axiom), clean(v));
            }
        }
        return 0;
    }
}
