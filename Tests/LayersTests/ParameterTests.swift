import Layers
import Tensors
import Testing

@Suite("Parameter")
struct ParameterTests {
    @Test("a new parameter has a zero gradient of its shape, and zeroGradient clears an accumulated one")
    func zeroGradient() {
        let p = Parameter(name: "weight", value: Matrix<Float>([[1, 2, 3], [4, 5, 6]]))
        #expect(p.gradient.rows == 2 && p.gradient.columns == 3 && p.gradient.scalars.allSatisfy { $0 == 0 })
        p.gradient.scalars[4] = 7
        #expect(p.gradient[1, 1] == 7)
        p.zeroGradient()
        #expect(p.gradient.scalars.allSatisfy { $0 == 0 } && p.count == 6)
    }
}
