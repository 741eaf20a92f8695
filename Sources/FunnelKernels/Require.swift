/// Stops the program with `message` when `condition` is false: the check that guards every op's
/// memory (shapes, indices, buffer sizes). Unlike `precondition`, whose message optimised builds
/// drop, the message (`[op] what was expected, what was found`) always reaches the user.
@inlinable @inline(__always)
package func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = "",
                     file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { requirementFailed(message(), file: file, line: line) }
}

/// The failure path of `require`, kept out of line so that the checks stay cheap.
@usableFromInline @inline(never)
package func requirementFailed(_ message: String, file: StaticString, line: UInt) -> Never {
    fatalError(message.isEmpty ? "requirement failed" : message, file: file, line: line)
}
