import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import FunnelLab

/// One parsed XML element: its name, attributes, direct text, and the `class` of every
/// enclosing element (so tests can ask for "rects inside the bars group").
struct ParsedElement {
    var name: String
    var attributes: [String: String]
    var text: String
    var ancestorClasses: [String]

    subscript(_ key: String) -> String? { attributes[key] }

    func double(_ key: String) -> Double? { attributes[key].flatMap(Double.init) }

    func isInside(_ className: String) -> Bool { ancestorClasses.contains(className) }
}

/// Parses XML with Foundation's `XMLParser` into a flat list of elements in document order.
final class XMLTree: NSObject, XMLParserDelegate {
    private(set) var elements: [ParsedElement] = []
    private var stack: [Int] = []
    private var classStack: [String] = []

    /// nil when the document is not well-formed.
    static func parse(_ text: String) -> XMLTree? {
        let tree = XMLTree()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = tree
        return parser.parse() ? tree : nil
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append(ParsedElement(name: elementName, attributes: attributeDict, text: "", ancestorClasses: classStack))
        stack.append(elements.count - 1)
        classStack.append(attributeDict["class"] ?? "")
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        stack.removeLast()
        classStack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let last = stack.last { elements[last].text += string }
    }

    func all(_ name: String) -> [ParsedElement] { elements.filter { $0.name == name } }

    func all(_ name: String, inside className: String) -> [ParsedElement] {
        elements.filter { $0.name == name && $0.isInside(className) }
    }

    func all(_ name: String, class className: String) -> [ParsedElement] {
        elements.filter { $0.name == name && $0["class"] == className }
    }

    /// Text of every `<text>` element.
    var texts: [String] { all("text").map(\.text) }
}

/// XML well-formedness through Foundation's parser.
enum XMLCheck {
    static func parses(_ data: Data) -> Bool {
        XMLParser(data: data).parse()
    }

    static func parses(_ text: String) -> Bool {
        parses(Data(text.utf8))
    }
}

/// Numbers in an SVG path's `d` attribute, as (x, y) pairs.
func pathPoints(_ d: String) -> [(Double, Double)] {
    let numbers = d.split(whereSeparator: { "MLZ ".contains($0) }).compactMap { Double($0) }
    return stride(from: 0, to: numbers.count - 1, by: 2).map { (numbers[$0], numbers[$0 + 1]) }
}
