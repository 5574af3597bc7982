# neurons: drawn by `gnuplot neurons.gp` from neurons.dat; edit freely and re-run.
set terminal pngcairo size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'neurons.png'
set title "Whole neurons: perplexity / dense" noenhanced
set xlabel "share of FFN rows pruned" noenhanced
set ylabel "perplexity / dense perplexity" noenhanced
set key outside right top box opaque
set grid lc rgb '#dddddd'
set border lc rgb '#444444'
set logscale y
set format x '%.0f%%'
plot 'neurons.dat' index 0 using ($1*100):2 title "wpr [neurons]" noenhanced with linespoints lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 1 using ($1*100):2 title "wpr [neurons] + bias" noenhanced with linespoints lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 2 using ($1*100):2 title "wpr [neurons] + least_squares" noenhanced with linespoints lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 3 using ($1*100):2 title "wanda [neurons]" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 4 using ($1*100):2 title "wanda [neurons] + bias" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 5 using ($1*100):2 title "wanda [neurons] + least_squares" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 6 using ($1*100):2 title "neuron_output [neurons]" noenhanced with linespoints lc rgb '#117733' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 7 using ($1*100):2 title "neuron_output [neurons] + bias" noenhanced with linespoints lc rgb '#117733' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 8 using ($1*100):2 title "neuron_output [neurons] + least_squares" noenhanced with linespoints lc rgb '#117733' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 9 using ($1*100):2 title "fluctuation [neurons]" noenhanced with linespoints lc rgb '#882255' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 10 using ($1*100):2 title "fluctuation [neurons] + bias" noenhanced with linespoints lc rgb '#882255' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 11 using ($1*100):2 title "fluctuation [neurons] + least_squares" noenhanced with linespoints lc rgb '#882255' dt 1 pt 7 ps 0.8, \
     1 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'neurons.svg'
replot
unset output
