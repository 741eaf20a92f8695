import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One parsed XML element: its name, attributes, direct text, and the `class` of every
/// enclosing element (so tests can ask for "rects inside the bars group").
public struct ParsedElement {
    public var name: String
    public var attributes: [String: String]
    public var text: String
    public var ancestorClasses: [String]

    public subscript(_ key: String) -> String? { attributes[key] }

    public func double(_ key: String) -> Double? { attributes[key].flatMap(Double.init) }

    public func isInside(_ className: String) -> Bool { ancestorClasses.contains(className) }
}

/// Parses XML with Foundation's `XMLParser` into a flat list of elements in document order.
public final class XMLTree: NSObject, XMLParserDelegate {
    public private(set) var elements: [ParsedElement] = []
    private var stack: [Int] = []
    private var classStack: [String] = []

    /// nil when the document is not well-formed.
    public static func parse(_ text: String) -> XMLTree? {
        let tree = XMLTree()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = tree
        return parser.parse() ? tree : nil
    }

    public func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append(ParsedElement(name: elementName, attributes: attributeDict, text: "", ancestorClasses: classStack))
        stack.append(elements.count - 1)
        classStack.append(attributeDict["class"] ?? "")
    }

    public func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        stack.removeLast()
        classStack.removeLast()
    }

    public func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let last = stack.last { elements[last].text += string }
    }

    public func all(_ name: String) -> [ParsedElement] { elements.filter { $0.name == name } }

    public func all(_ name: String, inside className: String) -> [ParsedElement] {
        elements.filter { $0.name == name && $0.isInside(className) }
    }

    public func all(_ name: String, class className: String) -> [ParsedElement] {
        elements.filter { $0.name == name && $0["class"] == className }
    }

    /// Text of every `<text>` element.
    public var texts: [String] { all("text").map(\.text) }
}

/// XML well-formedness through Foundation's parser.
public enum XMLCheck {
    public static func parses(_ data: Data) -> Bool {
        XMLParser(data: data).parse()
    }

    public static func parses(_ text: String) -> Bool {
        parses(Data(text.utf8))
    }
}

